"""What each premises is (*local*): housing and business units, connection status, critical site.

Mostly single houses (one dwelling); collective buildings (4–60 dwellings, with vertical cabling) in
bourgs and towns; some businesses; the town hall of each commune at its bourg centre; the other
critical sites (hospital, EHPAD, SDIS, gendarmerie, school, drinking-water plant) in proportion to
the premises count, in bourgs except water plants (in the countryside).
"""
from dataclasses import dataclass

import numpy as np

from . import params
from .placement import BOURG, Placement


@dataclass
class Attributes:
    housing: np.ndarray
    business: np.ndarray
    status: np.ndarray
    critical: np.ndarray      # "" or a CriticalCategory value
    vertical: np.ndarray      # 1 True, 0 False, -1 unknown (NULL)


def draw_attributes(place: Placement, rng: np.random.Generator) -> Attributes:
    n = len(place.xy)
    housing = np.ones(n, dtype=np.int64)
    business = np.zeros(n, dtype=np.int64)
    vertical = np.full(n, -1, dtype=np.int8)
    bourg = place.kind == BOURG
    u = rng.random(n)
    collective = bourg & (u < params.COLLECTIVE_SHARE_BOURG * np.where(place.town, 2.0, 1.0))
    housing[collective] = np.clip(rng.lognormal(2.3, 0.7, int(collective.sum())).astype(np.int64), 4, 60)
    vertical[collective] = (rng.random(int(collective.sum())) < 0.8).astype(np.int8)
    v = rng.random(n)
    biz = ~collective & (v < params.BUSINESS_SHARE * np.where(bourg, 1.5, 0.6))
    housing[biz] = 0
    business[biz] = rng.integers(1, 4, int(biz.sum()))
    mixed = ~collective & ~biz & (v > 1 - params.MIXED_SHARE)
    business[mixed] = 1
    business[collective] = (rng.random(int(collective.sum())) < 0.3).astype(np.int64)

    values, p = zip(*params.CONNECTION_STATUS)
    status = rng.choice(np.array(values), size=n, p=np.array(p) / np.sum(p))

    critical = np.full(n, "", dtype="<U12")
    critical[place.town_hall] = "town_hall"
    free_bourg = np.flatnonzero(bourg & ~place.town_hall)
    free_rural = np.flatnonzero(~bourg & ~place.town_hall)
    taken = np.zeros(n, dtype=bool)
    for category, per in params.CRITICAL_PER.items():
        pool = free_rural if category == "water_plant" and len(free_rural) else free_bourg
        pool = pool[~taken[pool]]
        want = min(len(pool), max(1, n // per))
        if want == 0:
            continue
        # Hospitals and EHPAD go to towns first, then anywhere in a bourg.
        if category in ("hospital", "ehpad", "fire_rescue"):
            pool = pool[np.argsort(~place.town[pool], kind="stable")]
            pick = pool[np.sort(rng.permutation(min(len(pool), want * 3))[:want])]
        else:
            pick = rng.choice(pool, size=want, replace=False)
        critical[pick] = category
        taken[pick] = True
    public = critical != ""
    housing[public] = 0
    business[public] = 1
    status[public] = "AB"
    vertical[public] = -1
    return Attributes(housing=housing, business=business, status=status, critical=critical, vertical=vertical)


def draw_failures(n_pbo: int, rng: np.random.Generator) -> np.ndarray:
    """bp_racco of each PBO: empty for most, a failure code (l_bp_racco) on a few (params.PBO_FAILURES)."""
    codes, p = zip(*params.PBO_FAILURES)
    u = rng.random(n_pbo)
    out = np.full(n_pbo, "", dtype="<U8")
    edges = np.cumsum(p)
    idx = np.searchsorted(edges, u, side="right")
    hit = idx < len(codes)
    out[hit] = np.array(codes)[idx[hit]]
    return out
