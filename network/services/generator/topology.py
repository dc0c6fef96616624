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


def build_topology(xy: np.ndarray, commune: np.ndarray, rng: np.random.Generator) -> Topology:
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
    pbo_of = partition_adaptive(xy, sro_of, max_size, spread_m=500.0)
    n_pbo = int(pbo_of.max()) + 1
    pbo_sro = np.zeros(n_pbo, dtype=np.int64)
    pbo_sro[pbo_of] = sro_of

    # Positions: NRO building and SRO cabinet by the premises nearest their zone's middle, a few
    # metres off; a PBO on the pole/façade/chamber by the middle premises of its group.
    nro_p, sro_p, pbo_p = _anchor(xy, nro_of, n_nro), _anchor(xy, sro_of, n_sro), _anchor(xy, pbo_of, n_pbo)
    key_xy = np.vstack([xy[nro_p] + [12.0, 9.0], xy[sro_p] + [4.0, 3.0], xy[pbo_p] + [2.5, -2.0]])
    key_xy = _unique_positions(key_xy)
    key_commune = commune[np.concatenate([nro_p, sro_p, pbo_p])]
    sro0, pbo0 = n_nro, n_nro + n_sro

    links_a, links_b, roles, bows, served = [], [], [], [], []

    # Distribution trees, SRO → PBO → PBO …
    per_pbo = np.bincount(pbo_of, minlength=n_pbo)
    order = np.argsort(pbo_sro, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(pbo_sro, minlength=n_sro))])
    for s in range(n_sro):
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
    ring_a, ring_b, ring_bow, ring_served = [], [], [], []
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
            chunks[-2] = np.concatenate([chunks[-2], chunks.pop()])
        for chunk in chunks:
            # A petal: out along the first half of the sector, nearest first, back along the other.
            radius = np.hypot(*(key_xy[sro0 + chunk] - key_xy[r]).T)
            half = (len(chunk) + 1) // 2
            out = chunk[:half][np.argsort(radius[:half], kind="stable")]
            back = chunk[half:][np.argsort(-radius[half:], kind="stable")]
            loop = np.concatenate([[r], sro0 + out, sro0 + back, [r]])
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

    return Topology(
        key_xy=key_xy, n_nro=n_nro, n_sro=n_sro, n_pbo=n_pbo, key_commune=key_commune, sro_nro=sro_nro,
        pbo_sro=pbo_sro, premises_pbo=pbo_of, link_a=np.concatenate(links_a).astype(np.int64),
        link_b=np.concatenate(links_b).astype(np.int64), link_role=np.concatenate(roles),
        link_bow=np.concatenate(bows), link_served=np.concatenate(served),
    )
