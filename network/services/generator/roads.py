"""A synthetic road graph (*voirie*), drawn before the network so that routes follow roads.

No road data is shipped, so the roads are made up from the settlements the placement drew:
- in each bourg, a small street grid (spacing 60–110 m, slightly irregular, a quarter of the
  blocks merged) over the disk where its premises stand;
- in each hamlet (*lieu-dit*), a lane through its centre, sometimes a second one across;
- between settlements (bourg centres, hamlets, isolated farms), a spanning structure: the Euclidean
  minimum spanning tree of the settlements, plus cross-links taken from their Gabriel graph
  (every one between two bourgs, a third of those between hamlets under 1.5 km), so that a bourg
  has several ways out and the network several ways round. A road from a bourg leaves from the
  grid node nearest its destination; long roads bend gently (one bend every ~300 m).

Premises are then moved onto the streets (`place_along_streets`): each stands off its nearest road
by a set-back drawn per kind (bourg ~9 m, hamlet ~14 m, isolated farm ~30 m: its private lane).
Deterministic by seed (its own random stream).
"""
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError

from .placement import BOURG, HAMLET, Placement
from .topology import _unique_positions

STREET, LANE, ROAD = 0, 1, 2


@dataclass
class Roads:
    xy: np.ndarray       # (R, 2) road nodes (junctions, bends, street ends)
    a: np.ndarray        # (E,) road edges, straight between two road nodes
    b: np.ndarray
    kind: np.ndarray     # (E,) STREET / LANE / ROAD

    @property
    def length(self) -> np.ndarray:
        return np.hypot(*(self.xy[self.b] - self.xy[self.a]).T)


def _mst_edges(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Mask of the edges (a, b, weight w) in a minimum spanning forest."""
    if not len(a):
        return np.zeros(0, dtype=bool)
    m = coo_matrix((w + 1e-6, (a, b)), shape=(n, n)).tocsr()
    t = minimum_spanning_tree(m).tocoo()
    chosen = set(zip(np.minimum(t.row, t.col).tolist(), np.maximum(t.row, t.col).tolist()))
    return np.array([(min(x, y), max(x, y)) in chosen for x, y in zip(a.tolist(), b.tolist())], dtype=bool)


def _grid(centre, radius, rng):
    """Street grid of one bourg: (points, edges as local index pairs); point 0 is the centre."""
    spacing = float(np.clip(radius / 7.0, 60.0, 110.0))
    m = int(np.ceil(radius / spacing))
    i, j = np.meshgrid(np.arange(-m, m + 1), np.arange(-m, m + 1), indexing="ij")
    i, j = i.ravel(), j.ravel()
    keep = (np.hypot(i, j) * spacing <= radius) | ((i == 0) & (j == 0))
    angle = rng.uniform(0, np.pi / 2)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    local = np.column_stack([i, j]) * spacing + rng.normal(0, spacing * 0.1, (len(i), 2))
    local[(i == 0) & (j == 0)] = 0.0
    order = np.argsort(~((i == 0) & (j == 0)), kind="stable")  # centre first
    index = np.full(len(i), -1)
    kept = order[keep[order]]
    index[kept] = np.arange(len(kept))
    side = 2 * m + 1
    cell = (i + m) * side + (j + m)
    lookup = np.full(side * side, -1)
    lookup[cell] = index
    ea, eb = [], []
    for di, dj in ((1, 0), (0, 1)):
        ok = keep & (i + di <= m) & (j + dj <= m)
        nb = lookup[np.where(ok, (i + di + m) * side + (j + dj + m), 0)]
        ok &= nb >= 0
        ea.append(index[ok])
        eb.append(nb[ok])
    ea, eb = np.concatenate(ea), np.concatenate(eb)
    pts = centre + local[kept] @ rot.T
    if len(ea):
        tree = _mst_edges(len(pts), ea, eb, rng.random(len(ea)))
        sel = tree | (rng.random(len(ea)) < 0.75)
        ea, eb = ea[sel], eb[sel]
    return pts, ea, eb


def _gabriel(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Delaunay edges (a, b) of the points and whether each is a Gabriel edge."""
    n = len(pts)
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    try:
        if n < 4:
            raise QhullError("few points")
        tri = Delaunay(pts).simplices.astype(np.int64)
    except (QhullError, ValueError):
        a, b = np.triu_indices(n, 1)
        return a, b, np.ones(len(a), dtype=bool)
    ea = np.concatenate([tri[:, 0], tri[:, 1], tri[:, 2]])
    eb = np.concatenate([tri[:, 1], tri[:, 2], tri[:, 0]])
    opp = np.concatenate([tri[:, 2], tri[:, 0], tri[:, 1]])
    lo, hi = np.minimum(ea, eb), np.maximum(ea, eb)
    dot = ((pts[lo] - pts[opp]) * (pts[hi] - pts[opp])).sum(axis=1)
    key = lo * n + hi
    uniq, inv = np.unique(key, return_inverse=True)
    bad = np.zeros(len(uniq), dtype=bool)
    np.logical_or.at(bad, inv, dot < 0)
    return uniq // n, uniq % n, ~bad


def build_roads(place: Placement, rng: np.random.Generator) -> Roads:
    xy_parts, ea, eb, ek = [], [], [], []
    base = 0
    grid_nodes = []
    for centre, radius in zip(place.bourg_centre, place.bourg_radius):
        pts, a, b = _grid(centre, radius, rng)
        xy_parts.append(pts)
        ea.append(a + base), eb.append(b + base), ek.append(np.full(len(a), STREET))
        grid_nodes.append(np.arange(base, base + len(pts)))
        base += len(pts)
    hamlet_node = []
    for h in place.hamlet_xy:
        theta = rng.uniform(0, np.pi)
        u = np.array([np.cos(theta), np.sin(theta)])
        v = np.array([-u[1], u[0]])
        half = rng.uniform(60, 120)
        pts = [h, h - half * u, h + half * u]
        if rng.random() < 0.5:
            pts += [h - 0.6 * half * v, h + 0.6 * half * v]
        pts = np.array(pts)
        xy_parts.append(pts)
        k = len(pts) - 1
        ea.append(np.full(k, base)), eb.append(base + np.arange(1, k + 1)), ek.append(np.full(k, LANE))
        hamlet_node.append(base)
        base += len(pts)
    iso = np.flatnonzero(place.kind == 2)
    iso_node = base + np.arange(len(iso))
    xy_parts.append(place.xy[iso])
    base += len(iso)
    road_xy = np.vstack(xy_parts)

    # Settlements: bourg centres (grid node 0), hamlet centres, isolated farms.
    n_b = len(grid_nodes)
    settle = np.concatenate([[g[0] for g in grid_nodes], hamlet_node, iso_node]).astype(np.int64)
    s_kind = np.concatenate([np.full(n_b, BOURG), np.full(len(hamlet_node), HAMLET), np.full(len(iso), 2)])
    sa, sb, gab = _gabriel(road_xy[settle])
    w = np.hypot(*(road_xy[settle[sa]] - road_xy[settle[sb]]).T)
    tree = _mst_edges(len(settle), sa, sb, w)
    both_bourg = (s_kind[sa] == BOURG) & (s_kind[sb] == BOURG)
    no_iso = (s_kind[sa] != 2) & (s_kind[sb] != 2)
    cross = gab & no_iso & (both_bourg | ((w < 1500) & (rng.random(len(w)) < 0.33)))
    sel = tree | cross
    ra, rb = settle[sa[sel]], settle[sb[sel]]
    # A road from a bourg leaves from the grid node nearest where it goes.
    bourg_of = {int(g[0]): g for g in grid_nodes}
    for arr, other in ((ra, rb), (rb, ra)):
        for k in np.flatnonzero(np.isin(arr, list(bourg_of))):
            g = bourg_of[int(arr[k])]
            arr[k] = g[np.argmin(np.hypot(*(road_xy[g] - road_xy[other[k]]).T))]
    # Bends: long roads cut every ~300 m, bowed and jittered sideways.
    length = np.hypot(*(road_xy[rb] - road_xy[ra]).T)
    pieces = np.maximum(1, np.ceil(length / 300.0)).astype(np.int64)
    bow = rng.uniform(-0.06, 0.06, len(ra))
    new_xy, na, nb = [], [], []
    for k in range(len(ra)):
        p = int(pieces[k])
        if p == 1:
            na.append(ra[k]), nb.append(rb[k])
            continue
        a, b = road_xy[ra[k]], road_xy[rb[k]]
        t = np.arange(1, p) / p
        vec = b - a
        perp = np.array([-vec[1], vec[0]]) / max(length[k], 1e-9)
        off = bow[k] * length[k] * np.sin(np.pi * t) + rng.normal(0, 8.0, p - 1)
        inner = a + vec * t[:, None] + perp * off[:, None]
        ids = base + np.arange(p - 1)
        base += p - 1
        new_xy.append(inner)
        chain = np.concatenate([[ra[k]], ids, [rb[k]]])
        na.extend(chain[:-1].tolist()), nb.extend(chain[1:].tolist())
    if new_xy:
        road_xy = np.vstack([road_xy] + new_xy)
    ea.append(np.array(na, dtype=np.int64)), eb.append(np.array(nb, dtype=np.int64)), ek.append(np.full(len(na), ROAD))
    a, b, kind = np.concatenate(ea).astype(np.int64), np.concatenate(eb).astype(np.int64), np.concatenate(ek)
    ok = a != b
    return Roads(xy=_unique_positions(road_xy), a=a[ok], b=b[ok], kind=kind[ok])


# Set-back of a house from its road (m): lognormal median, σ, clip.
SETBACK = {BOURG: (9.0, 0.45, 3.0, 40.0), HAMLET: (14.0, 0.45, 4.0, 60.0), 2: (30.0, 0.8, 8.0, 400.0)}


def place_along_streets(place: Placement, roads: Roads, geoms, rng: np.random.Generator):
    """Move every premises onto its nearest road, at its set-back; returns (edge, t) of its foot
    (the point of the road in front of it). A premises that would leave its commune stays put."""
    lines = shapely.linestrings(np.stack([roads.xy[roads.a], roads.xy[roads.b]], axis=1))
    tree = shapely.STRtree(lines)
    pts = shapely.points(place.xy)
    src, hit = tree.query_nearest(pts, all_matches=False)
    edge = np.empty(len(pts), dtype=np.int64)
    edge[src] = hit
    a, b = roads.xy[roads.a[edge]], roads.xy[roads.b[edge]]
    vec = b - a
    l2 = np.maximum((vec ** 2).sum(axis=1), 1e-9)
    t = np.clip(((place.xy - a) * vec).sum(axis=1) / l2, 0.0, 1.0)
    foot = a + vec * t[:, None]
    normal = np.column_stack([-vec[:, 1], vec[:, 0]]) / np.sqrt(l2)[:, None]
    side = np.sign(((place.xy - foot) * normal).sum(axis=1))
    side[side == 0] = 1.0
    setback = np.empty(len(pts))
    for kind, (median, sigma, lo, hi) in SETBACK.items():
        sel = place.kind == kind
        setback[sel] = np.clip(rng.lognormal(np.log(median), sigma, int(sel.sum())), lo, hi)
    new = foot + normal * (side * setback)[:, None]
    inside = shapely.contains_xy(geoms[place.commune], new[:, 0], new[:, 1])
    flipped = foot - normal * (side * setback)[:, None]
    inside_f = ~inside & shapely.contains_xy(geoms[place.commune], flipped[:, 0], flipped[:, 1])
    new[inside_f] = flipped[inside_f]
    stay = ~inside & ~inside_f
    new[stay] = place.xy[stay]
    place.xy = new
    return edge, t
