"""Cables laid along the roads: shortest paths on the road graph (scipy Dijkstra, vectorised).

The routing graph is the road graph with the key nodes (NRO, SRO, PBO) inserted where they stand
on their road edge. On it:
- each premises is served by the PBO nearest by road (multi-source Dijkstra from every PBO); its
  drop is not a cable of the network (the premises hangs on its PBO, `Premises.pbo`), only a
  length: along the road from the PBO to the point in front of the house, then across the plot;
- each PBO hangs on the SRO nearest by road; the distribution tree of an SRO is its shortest-path
  tree, one cable per hop between key nodes (SRO → PBO, PBO → PBO: spliced at the PBO);
- transport legs (loops NRO → SRO … → NRO) and collect legs are shortest paths between the sites;
  the return half of a loop is routed with the roads already taken by its outward half made four
  times dearer, so a loop goes out and comes back by different roads where the roads allow it.
"""
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from .roads import Roads
from .topology import CO, DI, TR, Topology


@dataclass
class Fine:
    xy: np.ndarray      # (R + K, 2): road nodes, then key nodes (topology order)
    u: np.ndarray       # (F,) fine edges, oriented along their road edge
    v: np.ndarray
    edge: np.ndarray    # (F,) road edge
    length: np.ndarray  # (F,)
    n_road: int


@dataclass
class Paths:
    link_a: np.ndarray      # (L,) key node at each cable end (topology numbering)
    link_b: np.ndarray
    link_role: np.ndarray
    link_served: np.ndarray
    step_link: np.ndarray   # (P,) cable of each step, in route order from node1
    step_edge: np.ndarray   # (P,) fine edge
    step_fwd: np.ndarray    # (P,) bool: walked u → v
    step_var: np.ndarray    # (P,) 0, or k for the k-th extra duct of a loop over the same road
    drop_road_m: np.ndarray  # (n,) length of each premises' drop along the road, PBO → point in front of the house
    premises_pbo: np.ndarray
    pbo_sro: np.ndarray
    pbo_parent: np.ndarray  # (n_pbo,) key node feeding each PBO
    n_di: int
    transport_path: dict    # loop index -> list of transport link indices in loop order


def fine_graph(roads: Roads, topo: Topology) -> Fine:
    R = len(roads.xy)
    E = len(roads.a)
    order = np.lexsort((topo.stop_t, topo.stop_edge))
    se, st = topo.stop_edge[order], topo.stop_t[order]
    cnt = np.bincount(se, minlength=E)
    seq_len = cnt + 2
    start = np.concatenate([[0], np.cumsum(seq_len)[:-1]])
    total = int(seq_len.sum())
    seq = np.empty(total, dtype=np.int64)
    seq_t = np.empty(total)
    seq[start], seq_t[start] = roads.a, 0.0
    seq[start + cnt + 1], seq_t[start + cnt + 1] = roads.b, 1.0
    first = np.cumsum(cnt) - cnt
    pos = start[se] + 1 + (np.arange(len(se)) - first[se])
    seq[pos], seq_t[pos] = R + order, st
    last = np.zeros(total, dtype=bool)
    last[start + cnt + 1] = True
    i = np.flatnonzero(~last)
    edge = np.repeat(np.arange(E), cnt + 1)
    length = np.maximum(roads.length[edge] * (seq_t[i + 1] - seq_t[i]), 1e-3)
    xy = np.vstack([roads.xy, topo.key_xy])
    fine = Fine(xy=xy, u=seq[i], v=seq[i + 1], edge=edge, length=length, n_road=R)
    fine.seq_key = edge * 2.0 + seq_t[i] * 1.0  # sorted: locates a point (edge, t) on its fine edge
    fine.t0, fine.t1 = seq_t[i], seq_t[i + 1]
    return fine


def _matrix(fine: Fine):
    """The routing graph as a symmetric CSR matrix (searched with directed=True: scipy would
    otherwise build the transpose at every call), and the positions of each fine edge's two
    entries in its data (penalties)."""
    n = len(fine.xy)
    w = fine.length
    lo, hi = np.minimum(fine.u, fine.v), np.maximum(fine.u, fine.v)
    key = lo * n + hi
    order = np.lexsort((w, key))
    keep = np.concatenate([[True], key[order][1:] != key[order][:-1]])
    sel = order[keep]
    rows = np.concatenate([lo[sel], hi[sel]])
    cols = np.concatenate([hi[sel], lo[sel]])
    m = coo_matrix((np.concatenate([w[sel], w[sel]]), (rows, cols)), shape=(n, n)).tocsr()
    m.sort_indices()
    flat = np.repeat(np.arange(n), np.diff(m.indptr)) * n + m.indices   # sorted: row-major
    return m, (np.searchsorted(flat, lo * n + hi), np.searchsorted(flat, hi * n + lo))


def _walk(pred: np.ndarray, dst: int, src: int) -> tuple[np.ndarray, np.ndarray]:
    """The steps (from, to) of the shortest path src → dst, from the predecessors of a search
    from src, in path order (a plain loop: one path of a few hundred steps)."""
    path = [dst]
    at = dst
    while at != src:
        at = int(pred[at])
        assert at >= 0, "road graph not connected"
        path.append(at)
    path.reverse()
    a = np.array(path, dtype=np.int64)
    return a[:-1], a[1:]


class _EdgeIndex:
    """Fine edge id from a node pair (the cheapest, when two edges join the same nodes)."""

    def __init__(self, fine: Fine):
        n = len(fine.xy)
        self.n = n
        key = np.minimum(fine.u, fine.v) * n + np.maximum(fine.u, fine.v)
        order = np.lexsort((fine.length, key))
        self.key, self.id = key[order], order

    def __call__(self, x, y):
        k = np.minimum(x, y) * self.n + np.maximum(x, y)
        return self.id[np.searchsorted(self.key, k)]


def _climb(pred, start, stop, always=True):
    """Walk predecessors from each start node until a node where `stop` holds (the start itself
    excluded). Returns (owner, from, to) of every step, owner-major in walk order."""
    owner_l, frm_l, to_l = [], [], []
    cur = start.copy()
    active = np.arange(len(cur)) if always else np.flatnonzero(~stop[cur])
    while len(active):
        nxt = pred[cur[active]]
        assert (nxt >= 0).all(), "road graph not connected"
        owner_l.append(active), frm_l.append(cur[active]), to_l.append(nxt)
        cur[active] = nxt
        active = active[~stop[nxt]]
    if not owner_l:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    owner, frm, to = np.concatenate(owner_l), np.concatenate(frm_l), np.concatenate(to_l)
    order = np.argsort(owner, kind="stable")
    return owner[order], frm[order], to[order]


def route(roads: Roads, topo: Topology, foot_edge: np.ndarray, foot_t: np.ndarray) -> tuple[Fine, Paths]:
    fine = fine_graph(roads, topo)
    R = fine.n_road
    n_nro, n_sro, n_pbo = topo.n_nro, topo.n_sro, topo.n_pbo
    sro0, pbo0 = n_nro, n_nro + n_sro
    N = len(fine.xy)
    graph, data_pos = _matrix(fine)
    eid = _EdgeIndex(fine)
    is_key = np.zeros(N, dtype=bool)
    is_key[R + sro0:] = True
    is_key[R:R + n_nro] = False

    # Premises → nearest PBO by road, through either end of the fine edge in front of them.
    dist, pred, src = dijkstra(graph, directed=True, indices=R + pbo0 + np.arange(n_pbo), min_only=True,
                               return_predecessors=True)
    key = foot_edge * 2.0 + foot_t
    f = np.clip(np.searchsorted(fine.seq_key, key, side="right") - 1, 0, len(fine.u) - 1)
    frac = np.clip((foot_t - fine.t0[f]) / np.maximum(fine.t1[f] - fine.t0[f], 1e-12), 0.0, 1.0)
    via_u = dist[fine.u[f]] + frac * fine.length[f]
    via_v = dist[fine.v[f]] + (1 - frac) * fine.length[f]
    use_u = via_u <= via_v
    # a foot at the very end of its edge (a tie): never walk the edge in front twice
    back = pred[np.where(use_u, fine.u[f], fine.v[f])] == np.where(use_u, fine.v[f], fine.u[f])
    use_u ^= back
    w = np.where(use_u, fine.u[f], fine.v[f])
    premises_pbo = src[w] - R - pbo0
    drop_road_m = dist[w] + np.where(use_u, frac, 1 - frac) * fine.length[f]

    # PBO → nearest SRO by road; parent = first key node up its shortest-path tree.
    dist_s, pred_s, src_s = dijkstra(graph, directed=True, indices=R + sro0 + np.arange(n_sro), min_only=True,
                                     return_predecessors=True)
    pbo_nodes = R + pbo0 + np.arange(n_pbo)
    pbo_sro = src_s[pbo_nodes] - R - sro0
    u_owner, u_from, u_to = _climb(pred_s, pbo_nodes, is_key)
    last = np.concatenate([u_owner[1:] != u_owner[:-1], [True]]) if len(u_owner) else np.zeros(0, dtype=bool)
    parent_node = np.empty(n_pbo, dtype=np.int64)
    parent_node[u_owner[last]] = u_to[last]
    pbo_parent = parent_node - R
    # Served premises per DI cable (cable i feeds PBO i): subtree sums, deepest first.
    per_pbo = np.bincount(premises_pbo, minlength=n_pbo)
    depth = np.zeros(n_pbo, dtype=np.int64)
    cur = pbo_parent.copy()
    while True:
        up = cur >= pbo0
        if not up.any():
            break
        depth[up] += 1
        cur[up] = pbo_parent[cur[up] - pbo0]
    sub = per_pbo.copy()
    for dpt in range(int(depth.max()), 0, -1):
        sel = np.flatnonzero(depth == dpt)
        np.add.at(sub, pbo_parent[sel] - pbo0, sub[sel])

    # Transport and collect legs.
    tr_links = np.flatnonzero(np.isin(topo.link_role, [TR, CO]))
    leg_steps = {}
    loops = {}
    for k in tr_links:
        loops.setdefault(int(topo.loop_of_link[k]), []).append(int(k))
    for loop, links in loops.items():
        # legs of a loop one after the other, every road already taken by the loop made 1 000 times
        # dearer: the loop comes back (and leaves each SRO) by other roads wherever the roads allow,
        # so that one cut on the loop leaves every SRO reachable the other way
        halves = [links] if loop < 0 else [[k] for k in links]
        g, used = graph, []
        taken = np.zeros(len(fine.u), dtype=np.int64)  # legs of this loop already over each fine edge
        for half in halves:
            if used and loop >= 0:
                g = graph.copy()
                e_used = np.concatenate(used)
                g.data[data_pos[0][e_used]] *= 1000.0
                g.data[data_pos[1][e_used]] *= 1000.0
            src_nodes = np.array([R + topo.link_a[k] for k in half])
            dst_nodes = np.array([R + topo.link_b[k] for k in half])
            span = np.hypot(*(fine.xy[dst_nodes] - fine.xy[src_nodes]).T)
            # searched within a disc a little wider than the leg (roads wind ~1.2 times the straight
            # line), wider only for the legs not found there: a search over the whole département
            # per leg cost a minute at 300 000 premises
            p = np.full((len(half), N), -9999, dtype=np.int32)
            far = np.ones(len(half), dtype=bool)
            # (a leg that can only avoid the loop's roads by a detour over three times its length
            # shares them: the last searches are on the graph without the loop's penalties)
            for gr, factor, extra in ((g, 1.2, 1000.0), (g, 3.0, 5000.0), (graph, 3.0, 5000.0), (graph, np.inf, 0.0)):
                limit = float(factor * span[far].max() + extra) if np.isfinite(factor) else np.inf
                _, p[far] = dijkstra(gr, directed=True, indices=src_nodes[far], return_predecessors=True, limit=limit)
                far = p[np.arange(len(half)), dst_nodes] < 0
                if not far.any():
                    break
            for j, k in enumerate(half):
                fr, to = _walk(p[j], int(dst_nodes[j]), int(src_nodes[j]))   # src → dst
                e = eid(fr, to)
                # a road the loop must take twice gets a second duct of its own (variant 1, 2…)
                leg_steps[k] = (e, fine.u[e] == fr, taken[e].copy() if loop >= 0 else np.zeros(len(e), dtype=np.int64))
                if loop >= 0:
                    taken[e] += 1
                used.append(e)

    # Assemble the cables: DI (one per PBO), TR/CO (topology order). No drop cable.
    link_a = np.concatenate([pbo_parent, topo.link_a[tr_links]])
    link_b = np.concatenate([pbo0 + np.arange(n_pbo), topo.link_b[tr_links]])
    role = np.concatenate([np.full(n_pbo, DI), topo.link_role[tr_links]])
    served = np.concatenate([sub, topo.link_served[tr_links]])
    steps_link, steps_edge, steps_fwd, steps_var = [], [], [], []
    # DI: climb steps (from PBO up to parent), reversed so that the cable runs parent → PBO.
    e = eid(u_from, u_to)
    order = np.lexsort((-np.arange(len(u_owner)), u_owner))
    steps_link.append(u_owner[order]), steps_edge.append(e[order]), steps_fwd.append(fine.u[e[order]] == u_to[order])
    steps_var.append(np.zeros(len(order), dtype=np.int64))
    for j, k in enumerate(tr_links):
        e_k, fwd_k, var_k = leg_steps[int(k)]
        steps_link.append(np.full(len(e_k), n_pbo + j)), steps_edge.append(e_k), steps_fwd.append(fwd_k)
        steps_var.append(var_k)
    sl = np.concatenate(steps_link)
    o = np.argsort(sl, kind="stable")
    paths = Paths(
        link_a=link_a, link_b=link_b, link_role=role, link_served=served, step_link=sl[o],
        step_edge=np.concatenate(steps_edge)[o], step_fwd=np.concatenate(steps_fwd)[o], drop_road_m=drop_road_m,
        step_var=np.concatenate(steps_var)[o],
        premises_pbo=premises_pbo, pbo_sro=pbo_sro, pbo_parent=pbo_parent, n_di=n_pbo,
        transport_path={loop: [n_pbo + int(np.flatnonzero(tr_links == k)[0]) for k in links] for loop, links in loops.items()},
    )
    return fine, paths
