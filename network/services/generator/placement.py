"""Where the premises stand (*placement des locaux*): spread over the real communes of the
département, denser in bourgs.

Each commune gets a share of the premises in proportion to its area times a random "attractiveness"
(a few communes are small towns with a stronger weight and a denser centre). Inside a commune, the
town hall stands at the bourg centre, most premises cluster around it (the *bourg*), the rest form
hamlets (*lieux-dits*, a handful of houses around a farm) and isolated houses. Every premises lies
inside its commune's polygon (rejection sampling against the real boundary).
"""
from dataclasses import dataclass

import numpy as np
import shapely

from . import params
from .communes import CommuneSet

BOURG, HAMLET, ISOLATED = 0, 1, 2

_HAMLET_PREFIX = ("Ker", "Lan", "Tré", "Pen", "Guer", "Loc", "Kergo", "Lez", "Ros", "Coat")
_HAMLET_SUFFIX = ("ven", "gall", "hoat", "vern", "elec", "nevez", "goff", "ros", "mellec", "bihan", "veur", "an", "oual")
_STREETS = (
    "rue de l'Église", "place de la Mairie", "rue de la Gare", "route de Brest", "rue du Stade", "rue des Écoles",
    "rue de la Fontaine", "allée des Chênes", "rue du Moulin", "impasse des Ajoncs", "rue Jean Jaurès",
    "rue de la Libération", "rue des Genêts", "chemin du Lavoir", "rue du Calvaire", "route de Quimper",
)


@dataclass
class Placement:
    xy: np.ndarray            # (n, 2) float, EPSG:2154
    commune: np.ndarray       # (n,) index into CommuneSet
    kind: np.ndarray          # (n,) BOURG / HAMLET / ISOLATED
    town_hall: np.ndarray     # (n,) bool: the first premises of each commune, at its bourg centre
    address: list[str]
    town: np.ndarray          # (n,) bool: commune is a small town
    bourg_centre: np.ndarray = None   # (m, 2) bourg centre of each commune with premises
    bourg_radius: np.ndarray = None   # (m,) radius of its streets (2.2 σ of the bourg's premises)
    bourg_commune: np.ndarray = None  # (m,) commune index
    hamlet_xy: np.ndarray = None      # (h, 2) hamlet (lieu-dit) centres


def _uniform_in(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points uniformly inside a polygon (rejection from its bounding box)."""
    minx, miny, maxx, maxy = shapely.bounds(geom)
    out = np.empty((0, 2))
    while len(out) < n:
        want = max(16, int((n - len(out)) * 2.5))
        cand = np.column_stack([rng.uniform(minx, maxx, want), rng.uniform(miny, maxy, want)])
        out = np.vstack([out, cand[shapely.contains_xy(geom, cand[:, 0], cand[:, 1])]])
    return out[:n]


def _inside(geom, pts: np.ndarray, redraw, rng: np.random.Generator) -> np.ndarray:
    """Keep points inside the commune: redraw those outside a few times, then fall back to uniform."""
    for _ in range(4):
        bad = ~shapely.contains_xy(geom, pts[:, 0], pts[:, 1])
        if not bad.any():
            return pts
        pts[bad] = redraw(int(bad.sum()), np.flatnonzero(bad))
    bad = ~shapely.contains_xy(geom, pts[:, 0], pts[:, 1])
    if bad.any():
        pts[bad] = _uniform_in(geom, int(bad.sum()), rng)
    return pts


def commune_counts(communes: CommuneSet, n: int, rng: np.random.Generator, around: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Premises per commune (at least one each: the town hall), and which communes are small towns.

    A rural RIP has some 40–50 premises per km² on average: fewer premises than the whole
    département holds at that density cover a compact block of communes around the heaviest one
    (a first deployment phase), not a thin dusting over every commune. `around` (an INSEE code)
    names that central commune, made a small town; by default it is the heaviest one."""
    m = len(communes)
    attract = rng.lognormal(0.0, 0.6, m)
    town = rng.random(m) < 0.06
    weight = communes.area_km2 * attract * np.where(town, 3.0, 1.0)
    pole = int(np.argmax(weight))
    if around is not None:
        pole = int(np.flatnonzero(communes.insee == around)[0])
        town[pole] = True
        weight[pole] = communes.area_km2[pole] * attract[pole] * 3.0
    dist = np.hypot(*(communes.centre - communes.centre[pole]).T)
    by_distance = np.argsort(dist, kind="stable")
    covered = np.cumsum(communes.area_km2[by_distance])
    needed = int(np.searchsorted(covered, n / params.PREMISES_PER_KM2)) + 1
    used = max(1, min(m, needed, n // 5))
    chosen = np.sort(by_distance[:used])
    counts = np.zeros(m, dtype=np.int64)
    counts[chosen] = 1
    w = weight[chosen] / weight[chosen].sum()
    counts[chosen] += rng.multinomial(n - used, w)
    return counts, town


def place_premises(communes: CommuneSet, n: int, rng: np.random.Generator, around: str | None = None) -> Placement:
    counts, town = commune_counts(communes, n, rng, around)
    xy_parts, com_parts, kind_parts, hall_parts, addr = [], [], [], [], []
    b_centre, b_radius, b_commune, hamlets = [], [], [], []
    for c in np.flatnonzero(counts):
        k = int(counts[c])
        geom, centre = communes.geoms[c], communes.centre[c]
        rest = k - 1
        share = (0.8 if town[c] else 0.5) + rng.uniform(-0.1, 0.1)
        n_bourg = int(round(share * rest))
        n_rural = rest - n_bourg
        n_hamlet = int(round(0.75 * n_rural))
        n_iso = n_rural - n_hamlet
        # Bourg: a 2-D normal around the centre, sized for 1 500 (town 3 000) premises per km².
        density = (3000.0 if town[c] else 1500.0) / 1e6
        sigma = max(40.0, np.sqrt(max(n_bourg, 1) / (np.pi * density)))
        bourg = _inside(geom, centre + rng.normal(0, sigma, (n_bourg, 2)),
                        lambda m, idx: centre + rng.normal(0, sigma, (m, 2)), rng)  # noqa: B023 (called within this iteration)
        # Hamlets: about seven houses each, within ~40 m of a farm placed anywhere in the commune.
        n_h = max(1, n_hamlet // 7) if n_hamlet else 0
        hamlet_centres = _uniform_in(geom, n_h, rng) if n_h else np.zeros((0, 2))
        which = rng.integers(0, n_h, n_hamlet) if n_h else np.zeros(0, dtype=np.int64)
        hamlet = _inside(geom, hamlet_centres[which] + rng.normal(0, 40.0, (n_hamlet, 2)),
                         lambda m, idx: hamlet_centres[which[idx]] + rng.normal(0, 40.0, (m, 2)), rng)  # noqa: B023 (called within this iteration)
        iso = _uniform_in(geom, n_iso, rng) if n_iso else np.zeros((0, 2))
        b_centre.append(centre)
        b_radius.append(2.2 * sigma)
        b_commune.append(c)
        hamlets.append(hamlet_centres[np.unique(which)] if n_h else np.zeros((0, 2)))
        xy_parts.append(np.vstack([centre[None, :], bourg, hamlet, iso]))
        com_parts.append(np.full(k, c))
        kind_parts.append(np.concatenate([[BOURG], np.full(n_bourg, BOURG), np.full(n_hamlet, HAMLET), np.full(n_iso, ISOLATED)]))
        hall_parts.append(np.concatenate([[True], np.zeros(rest, dtype=bool)]))
        # Addresses: numbered streets in the bourg, lieux-dits in the countryside.
        names = [_HAMLET_PREFIX[a] + _HAMLET_SUFFIX[b] for a, b in zip(
            rng.integers(0, len(_HAMLET_PREFIX), n_h + n_iso), rng.integers(0, len(_HAMLET_SUFFIX), n_h + n_iso))]
        streets = rng.integers(0, len(_STREETS), n_bourg)
        numbers = rng.integers(1, 80, n_bourg)
        addr.append("place de la Mairie")
        addr.extend(f"{num} {_STREETS[s]}" for num, s in zip(numbers.tolist(), streets.tolist()))
        addr.extend(f"lieu-dit {names[h]}" for h in which.tolist())
        addr.extend(f"lieu-dit {names[n_h + i]}" for i in range(n_iso))
    commune = np.concatenate(com_parts)
    return Placement(
        xy=np.vstack(xy_parts), commune=commune, kind=np.concatenate(kind_parts).astype(np.int8),
        town_hall=np.concatenate(hall_parts), address=addr, town=town[commune],
        bourg_centre=np.array(b_centre).reshape(-1, 2), bourg_radius=np.array(b_radius),
        bourg_commune=np.array(b_commune, dtype=np.int64), hamlet_xy=np.vstack(hamlets) if hamlets else np.zeros((0, 2)),
    )
