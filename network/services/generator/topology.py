"""The logical network (*architecture*): NRO zones, PM/SRO zones, PBO groups, and the links between
them — transport loops NRO → SRO … SRO → NRO, a collect loop between NROs, and a distribution tree
from each SRO to its PBOs (Euclidean minimum spanning tree, which follows the settlements).

Key nodes are numbered NROs first, then SROs, then PBOs. Links are turned into routes, supports and
cables by `routes.py`.
"""
from dataclasses import dataclass

import numpy as np

from . import params
from .partition import partition_adaptive, partition_fixed

TR, DI, CO = "TR", "DI", "CO"


@dataclass
class Topology:
    key_xy: np.ndarray         # (K, 2) NROs, SROs, PBOs
    n_nro: int
    n_sro: int
    n_pbo: int
    key_commune: np.ndarray    # (K,) commune index of the premises each key node stands by
    sro_nro: np.ndarray        # (n_sro,) NRO of each SRO
    pbo_sro: np.ndarray        # (n_pbo,) SRO of each PBO
    premises_pbo: np.ndarray   # (n,) PBO of each premises
    link_a: np.ndarray         # (E,) key node at the upstream end (cable node1)
    link_b: np.ndarray         # (E,) key node at the downstream end (cable node2)
    link_role: np.ndarray      # (E,) "TR" / "DI" / "CO"
    link_bow: np.ndarray       # (E,) sideways bow of the route, as a fraction of its length
    link_served: np.ndarray    # (E,) premises served through the link (cable sizing)
    stop_edge: np.ndarray = None   # (K,) road edge each key node stands on
    stop_t: np.ndarray = None      # (K,) position along it
    loops: list = None             # transport loops: [NRO, SRO key nodes…, NRO] per loop
    loop_of_link: np.ndarray = None  # (E,) loop index of each transport link, -1 otherwise


def _anchor(xy: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Per label, the index of the point nearest the label's mean point (a site stands in the
    street by its premises, not in a field at the centroid)."""
    count = np.bincount(labels, minlength=n_labels)
    mean = np.column_stack([np.bincount(labels, xy[:, 0], n_labels), np.bincount(labels, xy[:, 1], n_labels)]) / count[:, None]
    d2 = ((xy - mean[labels]) ** 2).sum(axis=1)
    order = np.lexsort((d2, labels))
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    return order[first]


def _prim(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum spanning tree rooted at point 0: (parent per point, insertion order)."""
    n = len(pts)
    parent = np.full(n, -1)
    dist = np.full(n, np.inf)
    done = np.zeros(n, dtype=bool)
    dist[0] = 0.0
    order = np.empty(n, dtype=np.int64)
    for step in range(n):
        i = int(np.argmin(np.where(done, np.inf, dist)))
        order[step] = i
        done[i] = True
        d = np.hypot(pts[:, 0] - pts[i, 0], pts[:, 1] - pts[i, 1])
        better = ~done & (d < dist)
        dist[better] = d[better]
        parent[better] = i
    return parent, order


def _unique_positions(xy: np.ndarray) -> np.ndarray:
    """Nudge exact (millimetre) duplicates apart: two nodes never share a position, so no route
    segment has zero length."""
    xy = xy.copy()
    while True:
        keys = np.round(xy * 1000).astype(np.int64)
        _, first = np.unique(keys, axis=0, return_index=True)
        dup = np.ones(len(xy), dtype=bool)
        dup[first] = False
        if not dup.any():
            return xy
        xy[dup] += np.array([0.7, 0.4])


def street_groups(xy: np.ndarray, sro_of: np.ndarray, foot_edge: np.ndarray, max_size: np.ndarray) -> np.ndarray:
    """PBO groups along the streets: the premises of one SRO standing on one road edge, split while
    larger than the SRO's size or wider than PBO_SPREAD_M; a group of one or two premises joins
    the nearest group of three or more within PBO_MERGE_M (a box per street, not per house).
    The distribution cable then reaches every street with houses on it, as a deployment does."""
    from scipy.spatial import cKDTree

    street = np.unique(sro_of * (int(foot_edge.max()) + 1) + foot_edge, return_inverse=True)[1]
    labels = partition_adaptive(xy, street, max_size[np.bincount(street, sro_of, street.max() + 1).astype(np.int64)
                                                      // np.maximum(np.bincount(street), 1)],
                                spread_m=params.PBO_SPREAD_M, min_split=2)
    for _ in range(3):   # small groups join the nearest group (by centre), a few rounds
        labels = np.unique(labels, return_inverse=True)[1]
        count = np.bincount(labels)
        centre = np.column_stack([np.bincount(labels, xy[:, 0]), np.bincount(labels, xy[:, 1])]) / count[:, None]
        small = np.flatnonzero(count < params.PBO_MIN_GROUP)
        if not len(small) or len(count) < 2:
            break
        d, j = cKDTree(centre).query(centre[small], k=2)
        d, j = d[:, 1], j[:, 1]
        ok = (d <= params.PBO_MERGE_M) & (count[small] + count[j] <= max_size.max())
        target = np.arange(len(count))
        target[small[ok]] = j[ok]
        # a pair of small groups pointing at each other: the lower label keeps its own
        mutual = target[target] == np.arange(len(count))
        target[mutual & (np.arange(len(count)) < target)] = np.arange(len(count))[mutual & (np.arange(len(count)) < target)]
        for _ in range(4):
            target = target[target]
        labels = target[labels]
    return np.unique(labels, return_inverse=True)[1]


def build_topology(xy: np.ndarray, commune: np.ndarray, rng: np.random.Generator, roads=None, foot=None) -> Topology:
    n = len(xy)
    n_nro = max(1, int(round(n / params.PREMISES_PER_NRO)))
    nro_of = partition_fixed(xy, np.zeros(n, dtype=np.int64), np.array([n_nro]))
    n_nro = int(nro_of.max()) + 1
    per_nro = np.bincount(nro_of, minlength=n_nro)
    sro_parts = np.maximum(1, np.rint(per_nro / params.PREMISES_PER_SRO)).astype(np.int64)
    sro_of = partition_fixed(xy, nro_of, sro_parts)
    n_sro = int(sro_of.max()) + 1
    sro_nro = np.zeros(n_sro, dtype=np.int64)
    sro_nro[sro_of] = nro_of
    max_size = rng.integers(params.PBO_SIZE_RANGE[0] + 3, params.PBO_SIZE_RANGE[1] + 4, n_sro)
    if roads is None:
        pbo_of = partition_adaptive(xy, sro_of, max_size, spread_m=params.PBO_SPREAD_M, min_split=2)
    else:
        pbo_of = street_groups(xy, sro_of, foot[0], max_size)
    n_pbo = int(pbo_of.max()) + 1
    pbo_sro = np.zeros(n_pbo, dtype=np.int64)
    pbo_sro[pbo_of] = sro_of

    # Positions: on the road in front of the premises nearest the middle of each zone (NRO building
    # and SRO cabinet a few metres along the street from it, the PBO on the pole/façade/chamber
    # right in front of it).
    nro_p, sro_p, pbo_p = _anchor(xy, nro_of, n_nro), _anchor(xy, sro_of, n_sro), _anchor(xy, pbo_of, n_pbo)
    key_p = np.concatenate([nro_p, sro_p, pbo_p])
    key_commune = commune[key_p]
    sro0, pbo0 = n_nro, n_nro + n_sro
    if roads is not None:
        edge, t = foot
        stop_edge = edge[key_p]
        length = np.maximum(roads.length[stop_edge], 1e-6)
        shift = np.concatenate([np.full(n_nro, 10.0), np.full(n_sro, 5.0), np.zeros(n_pbo)]) / length
        delta = np.minimum(0.25, 2.0 / length)
        stop_t = np.clip(t[key_p] + shift, delta, 1 - delta)
        # two key nodes never share a spot: on one road edge, at least 0.6 m apart (running maximum
        # of t − rank·gap within each edge, then the gaps added back)
        o = np.lexsort((stop_t, stop_edge))
        e_o = stop_edge[o]
        first = np.concatenate([[True], e_o[1:] != e_o[:-1]])
        start = np.maximum.accumulate(np.where(first, np.arange(len(o)), 0))
        rank = np.arange(len(o)) - start
        gap = 0.6 / length[o]
        offset = (np.cumsum(first) - 1) * 1e4
        shifted = stop_t[o] - rank * gap + offset
        stop_t[o] = np.maximum.accumulate(shifted) - offset + rank * gap
        stop_t = np.minimum(stop_t, 1 - 0.3 / length)
        a, b = roads.xy[roads.a[stop_edge]], roads.xy[roads.b[stop_edge]]
        key_xy = a + (b - a) * stop_t[:, None]
    else:
        stop_edge = stop_t = None
        key_xy = np.vstack([xy[nro_p] + [12.0, 9.0], xy[sro_p] + [4.0, 3.0], xy[pbo_p] + [2.5, -2.0]])
        key_xy = _unique_positions(key_xy)

    links_a, links_b, roles, bows, served = [], [], [], [], []

    # Distribution trees, SRO → PBO → PBO …
    per_pbo = np.bincount(pbo_of, minlength=n_pbo)
    order = np.argsort(pbo_sro, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(pbo_sro, minlength=n_sro))])
    for s in range(n_sro if roads is None else 0):   # with roads: trees along the roads (routing.py)
        pbos = order[bounds[s]:bounds[s + 1]]
        keys = np.concatenate([[sro0 + s], pbo0 + pbos])
        parent, ins = _prim(key_xy[keys])
        sub = np.concatenate([[0], per_pbo[pbos]]).astype(np.int64)
        for i in ins[::-1][:-1]:          # children before parents: subtree sums
            sub[parent[i]] += sub[i]
        child = ins[1:]
        links_a.append(keys[parent[child]])
        links_b.append(keys[child])
        served.append(sub[child])
    n_di = sum(len(a) for a in links_a)
    roles.append(np.full(n_di, DI))
    bows.append(np.zeros(n_di))

    # Transport loops: the SROs of an NRO, by bearing from it, chained in loops of 5–9 that start
    # and end at the NRO, so that one cut on a loop leaves every SRO reachable the other way.
    ring_a, ring_b, ring_bow, ring_served, loops, ring_loop = [], [], [], [], [], []
    for r in range(n_nro):
        sros = np.flatnonzero(sro_nro == r)
        d = key_xy[sro0 + sros] - key_xy[r]
        sros = sros[np.lexsort((np.hypot(d[:, 0], d[:, 1]), np.arctan2(d[:, 1], d[:, 0])))]
        chunks, start = [], 0
        while start < len(sros):
            size = int(rng.integers(params.SROS_PER_RING[0], params.SROS_PER_RING[1] + 1))
            chunks.append(sros[start:start + size])
            start += size
        if len(chunks) > 1 and len(chunks[-1]) < 3:
            tail = chunks.pop()
            chunks[-1] = np.concatenate([chunks[-1], tail])
        for chunk in chunks:
            # A petal: out along the first half of the sector, nearest first, back along the other.
            radius = np.hypot(*(key_xy[sro0 + chunk] - key_xy[r]).T)
            half = (len(chunk) + 1) // 2
            out = chunk[:half][np.argsort(radius[:half], kind="stable")]
            back = chunk[half:][np.argsort(-radius[half:], kind="stable")]
            loop = np.concatenate([[r], sro0 + out, sro0 + back, [r]])
            ring_loop.extend([len(loops)] * (len(loop) - 1))
            loops.append(loop)
            ring_a.extend(loop[:-1].tolist())
            ring_b.extend(loop[1:].tolist())
            k = len(loop) - 1
            bow = rng.uniform(0.02, 0.08, k) * rng.choice([-1.0, 1.0], k)
            if len(chunk) == 1:            # NRO → SRO → NRO: two distinct routes, bowed apart
                bow = np.array([0.2, 0.2])
            ring_bow.extend(bow.tolist())
            ring_served.extend([int(per_nro[r])] * k)
    links_a.append(np.array(ring_a, dtype=np.int64))
    links_b.append(np.array(ring_b, dtype=np.int64))
    roles.append(np.full(len(ring_a), TR))
    bows.append(np.array(ring_bow))
    served.append(np.array(ring_served, dtype=np.int64))

    # Collect loop between NROs (two NROs: one link).
    if n_nro >= 2:
        d = key_xy[:n_nro] - key_xy[:n_nro].mean(axis=0)
        nros = np.argsort(np.arctan2(d[:, 1], d[:, 0]), kind="stable")
        loop = np.concatenate([nros, nros[:1]]) if n_nro >= 3 else nros
        links_a.append(loop[:-1])
        links_b.append(loop[1:])
        roles.append(np.full(len(loop) - 1, CO))
        bows.append(rng.uniform(0.02, 0.06, len(loop) - 1))
        served.append(np.full(len(loop) - 1, n, dtype=np.int64))
    roles_all = np.concatenate(roles)
    loop_of_link = np.full(len(roles_all), -1)
    tr = np.flatnonzero(roles_all == TR)
    loop_of_link[tr] = np.array(ring_loop, dtype=np.int64)

    return Topology(
        key_xy=key_xy, n_nro=n_nro, n_sro=n_sro, n_pbo=n_pbo, key_commune=key_commune, sro_nro=sro_nro,
        pbo_sro=pbo_sro, premises_pbo=pbo_of, link_a=np.concatenate(links_a).astype(np.int64),
        link_b=np.concatenate(links_b).astype(np.int64), link_role=np.concatenate(roles),
        link_bow=np.concatenate(bows), link_served=np.concatenate(served),
        stop_edge=stop_edge, stop_t=stop_t, loops=loops, loop_of_link=loop_of_link,
    )
