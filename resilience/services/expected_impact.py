"""Expected impact of an exposure (*impact probable*): the probability that each premises loses
service when every exposed asset fails independently with its own probability (vulnerability
matrix), and the probability-weighted figures per commune.

How (on the service graph's tree structure, graph.py):
- Tree part (single-vertex blocks: the distribution/drop tree below each SRO, every bridge): a
  premises is served when no asset on its unique path up to its block entry fails. Walking the
  vertex tree T in preorder with a count of the assets already on the path, each vertex's survival
  is its parent's times Π(1 − p) over the assets of its own link that are not already on the path:
  the segments of the bridge above it, the supports carrying them (a pole standing between two
  consecutive cables is counted once) and a site at the vertex. Exact: 1 − Π(1 − p) over the
  distinct exposed assets on the path.
- Redundant blocks (transport rings, collect loops): reaching a vertex of the block from its entry
  has no product formula; it is estimated by Monte-Carlo with a fixed seed (`draws` draws of the
  block's own assets, reachability inside the block), only for blocks holding an exposed asset.
  Failures inside a block and on the path above it are taken as independent (an asset shared by a
  ring edge and the bridge below counts in both: a slight over-estimate).
With every probability at 1 this gives exactly the worst case (every exposed asset fails).
"""
from __future__ import annotations

import math

import numpy as np

from .graph import ServiceGraph, arrays

DEFAULT_DRAWS = 200
DEFAULT_SEED = 6
FLOOR = 1e-300  # log(1 − p) of a certain failure: exp() gives 0


class _PlainTables:
    """The graph seen through plain Python copies of the tables the per-element loops below read
    (`ServiceGraph.python_table`, made once per process: vertex- and edge-level tables of tens of
    thousands of items, a few MB at 300 000 premises, in the worker processes that compute
    exposures). Indexing a mapped array element by element costs ~10x a list; the segment-level
    tables stay mapped and are read in bulk (`arrays.gather`)."""

    TABLES = frozenset({"node_index", "site_node", "bridges", "reached", "edge_u",
                        "comp", "comp_nodes", "comp_entry", "parent_edge", "tparent", "pre", "size", "bridge_child"})

    def __init__(self, graph):
        self._graph = graph

    def __getattr__(self, name):
        if name in self.TABLES:
            value = self._graph.python_table(name)
            setattr(self, name, value)
            return value
        return getattr(self._graph, name)


def _probability_arrays(graph, seg_p: dict, sup_p: dict) -> tuple[np.ndarray, np.ndarray]:
    """{segment index: p} and {support index: p} as arrays by index, NaN where not exposed."""
    seg_p_arr = np.full(len(graph.segment_codes), np.nan)
    if seg_p:
        seg_p_arr[np.fromiter(seg_p, dtype=np.int64, count=len(seg_p))] = list(seg_p.values())
    sup_p_arr = np.full(len(graph.support_codes), np.nan)
    if sup_p:
        sup_p_arr[np.fromiter(sup_p, dtype=np.int64, count=len(sup_p))] = list(sup_p.values())
    return seg_p_arr, sup_p_arr


def _block_keys(graph, edges: list[int], seg_p_arr: np.ndarray, sup_p_arr: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """The Monte-Carlo keys of a block's edges, in bulk: (probability of each key, the keys of each
    edge). The exposed assets of the edges (`_edge_assets`: each edge's segments and the supports
    carrying them) are grouped by the set of edges holding them: one key per group, failing with
    p = 1 − Π(1 − p) over its assets, and held by the same edges. The same distribution of edge
    failures as one key per asset (an asset failing fails all its edges, whichever asset of the
    group it is), with a few keys per edge instead of every segment and pole of the ring's cables
    (400 000 at département scale). Groups are told apart by two 64-bit sums of per-edge random
    words (a collision is a 2^-128 event)."""
    segments, seg_owner = arrays.gather_rows(graph.edge_segments, edges)
    supports, sup_owner = arrays.gather(graph.segment_supports, segments)
    n_seg = len(seg_p_arr)
    sp = seg_p_arr[segments] if len(segments) else np.zeros(0)
    up = sup_p_arr[supports] if len(supports) else np.zeros(0)
    owner = np.concatenate([seg_owner[~np.isnan(sp)], seg_owner[sup_owner][~np.isnan(up)]]).astype(np.int64)
    key = np.concatenate([segments[~np.isnan(sp)], n_seg + supports[~np.isnan(up)]]).astype(np.int64)
    p = np.concatenate([sp[~np.isnan(sp)], up[~np.isnan(up)]])
    if not len(key):
        return np.zeros(0), [[] for _ in edges]
    width = n_seg + len(sup_p_arr)
    pairs, first = np.unique(owner * width + key, return_index=True)  # an asset once per edge
    owner, key, p = pairs // width, pairs % width, p[first]
    assets, asset_row = np.unique(key, return_inverse=True)
    words = np.random.default_rng(0).integers(0, np.iinfo(np.uint64).max, size=(2, len(edges)), dtype=np.uint64,
                                              endpoint=True)
    signature = np.zeros((len(assets), 2), dtype=np.uint64)
    np.add.at(signature[:, 0], asset_row, words[0][owner])  # wraps modulo 2^64
    np.add.at(signature[:, 1], asset_row, words[1][owner])
    asset_p = np.zeros(len(assets))
    asset_p[asset_row] = p
    _sigs, group = np.unique(signature, axis=0, return_inverse=True)
    group = group.ravel()
    probs = 1.0 - np.exp(np.bincount(group, weights=np.log(np.maximum(1.0 - asset_p, FLOOR))))
    edge_keys: list[list[int]] = [[] for _ in edges]
    held = np.unique(owner * len(probs) + group[asset_row])
    for e, k in zip((held // len(probs)).tolist(), (held % len(probs)).tolist()):
        edge_keys[e].append(k)
    return probs, edge_keys


def prepare(graph) -> None:
    """Make the plain tables the expected impact reads (`_PlainTables`) in this process now (the
    worker's warmer), not during the first exposure."""
    for name in _PlainTables.TABLES | {"inner_adj"}:
        graph.python_table(name)


def _fails_per_row(fails: np.ndarray, rows: list[list[int]]) -> np.ndarray:
    """(draws × len(rows)) booleans: row i fails in a draw when one of its keys (columns of
    `fails`) does; a row without keys never fails."""
    out = np.zeros((fails.shape[0], len(rows)), dtype=bool)
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    nonempty = np.flatnonzero(lengths)
    if len(nonempty):
        flat = np.fromiter((k for r in rows for k in r), dtype=np.int64, count=int(lengths.sum()))
        starts = (np.cumsum(lengths) - lengths)[nonempty]
        out[:, nonempty] = np.logical_or.reduceat(fails[:, flat], starts, axis=1)
    return out


def _edge_assets(graph: ServiceGraph, e: int, seg_p: dict, sup_p: dict) -> list:
    """Exposed assets failing edge e: its segments and the supports carrying them (keys, p)."""
    out = []
    segment_supports = graph.segment_supports
    for s in graph.edge_segments[e]:
        p = seg_p.get(s)
        if p is not None:
            out.append((("s", s), p))
        for i in segment_supports.get(s, ()):
            p = sup_p.get(i)
            if p is not None:
                out.append((("p", i), p))
    return out


def _link_pairs(graph, vertices: np.ndarray, seg_p_arr, sup_p_arr, site_pairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exposed assets of each vertex's own link (the bridge above it: its segments and the
    supports carrying them, and a site at the vertex), when the vertex enters its block: (position
    in `vertices`, (position, asset key) coded as one integer, probability), one row per distinct
    (vertex, asset). Keys: segment s is s, support i is S + i, site i is S + P + i."""
    n_seg, n_sup = len(seg_p_arr), len(sup_p_arr)
    comp, comp_entry = arrays.column(graph.comp), arrays.column(graph.comp_entry)
    parent_edge = arrays.column(graph.parent_edge)
    ok = vertices >= 0
    safe = np.where(ok, vertices, 0)
    entry = ok & (vertices != graph.source) & (comp_entry[comp[safe]] == vertices)
    edges = parent_edge[safe]
    with_edge = entry & (edges >= 0) & (edges < graph.m)
    owners = np.flatnonzero(with_edge)
    segments, own = arrays.gather_rows(graph.edge_segments, edges[owners])
    seg_pos = owners[own]
    sp = seg_p_arr[segments] if len(segments) else np.zeros(0)
    supports, own2 = arrays.gather(graph.segment_supports, segments)
    sup_pos = seg_pos[own2]
    up = sup_p_arr[supports] if len(supports) else np.zeros(0)
    site_pos = np.flatnonzero(entry & np.isin(vertices, site_pairs[0]))
    lookup = dict(zip(site_pairs[0].tolist(), range(len(site_pairs[0]))))
    rows = [lookup[v] for v in vertices[site_pos].tolist()]
    pos = np.concatenate([seg_pos[~np.isnan(sp)], sup_pos[~np.isnan(up)], site_pos])
    keys = np.concatenate([segments[~np.isnan(sp)], n_seg + supports[~np.isnan(up)],
                           n_seg + n_sup + site_pairs[1][rows]]).astype(np.int64)
    p = np.concatenate([sp[~np.isnan(sp)], up[~np.isnan(up)], site_pairs[2][rows]])
    width = n_seg + n_sup + (int(site_pairs[1].max()) + 1 if len(site_pairs[1]) else 0) + 1
    combined, first = np.unique(pos * width + keys, return_index=True)
    return pos[first], combined, p[first]


def _link_log_factors(graph, vertices: np.ndarray, seg_p: dict, sup_p: dict, vertex_site: dict) -> np.ndarray:
    """For each vertex, Σ log(1 − p) over the exposed assets of its link that are not already on
    its tree parent's link (a pole at a vertex carrying the cable above and the one below counts
    once), in bulk: what `link()` summed vertex by vertex (`_link_log_factors_one_by_one`)."""
    seg_p_arr, sup_p_arr = _probability_arrays(graph, seg_p, sup_p)
    site_rows = [(v, key[1], p) for v, pairs in vertex_site.items() for key, p in pairs]
    site_pairs = (np.asarray([r[0] for r in site_rows], dtype=np.int64), np.asarray([r[1] for r in site_rows], dtype=np.int64),
                  np.asarray([r[2] for r in site_rows], dtype=float))
    pos, combined, p = _link_pairs(graph, vertices, seg_p_arr, sup_p_arr, site_pairs)
    parents = arrays.column(graph.tparent)[vertices] if len(vertices) else vertices
    # the parents' pairs are numbered by the position of their child: same (position, key) code
    _ppos, pcombined, _pp = _link_pairs(graph, parents, seg_p_arr, sup_p_arr, site_pairs)
    # both sorted (np.unique): a binary search, not np.isin's hash of a million codes
    found = np.searchsorted(pcombined, combined)
    above = (found < len(pcombined)) & (pcombined[np.minimum(found, max(len(pcombined) - 1, 0))] == combined) \
        if len(pcombined) else np.zeros(len(combined), dtype=bool)
    logs = np.log(np.maximum(1.0 - p[~above], FLOOR))
    return np.bincount(pos[~above], weights=logs, minlength=len(vertices))


def _link_log_factors_one_by_one(graph, vertices, seg_p: dict, sup_p: dict, vertex_site: dict) -> np.ndarray:
    """The reference of `_link_log_factors`, vertex by vertex (tests compare both)."""
    def link(v: int) -> dict:
        keys = {}
        if v != graph.source and graph.comp_entry[graph.comp[v]] == v:
            e = graph.parent_edge[v]
            if 0 <= e < graph.m:
                keys.update(_edge_assets(graph, e, seg_p, sup_p))
            keys.update(vertex_site.get(v, ()))
        return keys

    out = np.zeros(len(vertices))
    for i, v in enumerate(int(v) for v in vertices):
        above = link(graph.tparent[v]) if graph.tparent[v] >= 0 else {}
        out[i] = sum(math.log(max(1.0 - p, FLOOR)) for key, p in link(v).items() if key not in above)
    return out


def survival(graph: ServiceGraph, seg_p: dict, sup_p: dict, site_p: dict, *, draws: int = DEFAULT_DRAWS,
             seed: int = DEFAULT_SEED, exposed_edges=None) -> np.ndarray:
    """Probability that each vertex (internal number) stays connected to an NRO. Probabilities are
    given by graph index: {segment index: p}, {support index: p}, {site index: p}; `exposed_edges`
    (the edges they fail, graph.failures) when the caller already has them."""
    n1 = graph.n + 1
    graph = _PlainTables(graph)
    vertex_site: dict[int, list] = {}
    for i, p in site_p.items():
        vertex_site.setdefault(graph.node_index[graph.site_node[i]], []).append((("t", i), p))
    # Monte-Carlo inside the redundant blocks that hold an exposed asset
    block_reach: dict[int, float] = {}
    if exposed_edges is None:
        exposed_edges = graph.edges_of_segments(set(seg_p) | graph.segments_of_supports(sup_p))
    touched = set()
    for e in exposed_edges:
        if e not in graph.bridges and graph.reached[graph.edge_u[e]]:
            touched.add(graph.comp[graph.edge_u[e]])
    for v in vertex_site:
        c = graph.comp[v]
        if c >= 0 and len(graph.comp_nodes[c]) > 1:
            touched.add(c)
    rng = np.random.default_rng(seed)
    seg_p_arr, sup_p_arr = _probability_arrays(graph, seg_p, sup_p)
    for c in sorted(touched):
        members = graph.comp_nodes[c]
        entry = graph.comp_entry[c]
        edges = sorted({e for v in members for _w, e in graph.python_table("inner_adj").get(v, ()) if e < graph.m})
        # the block's keys: one per group of assets held by the same edges (_block_keys)
        probs, edge_keys = _block_keys(graph, edges, seg_p_arr, sup_p_arr)
        vertex_keys = {}
        site_probs = []
        for v in members:
            if v != entry and v in vertex_site:
                vertex_keys[v] = [len(probs) + len(site_probs) + k for k in range(len(vertex_site[v]))]
                site_probs += [p for _key, p in vertex_site[v]]
        probs = np.concatenate([probs, np.asarray(site_probs, dtype=float)])
        if not len(probs):
            continue
        reached = dict.fromkeys(members, 0)
        fails = rng.random((draws, len(probs))) < probs
        inner = graph.python_table("inner_adj")  # plain dict: per-element loops below
        # which edges / vertices fail in each draw, for all draws at once (an edge fails when one
        # of its assets does): one numpy reduction instead of a Python test per edge and draw
        edge_fails = _fails_per_row(fails, edge_keys)
        vertex_list = list(vertex_keys)
        vertex_fails = _fails_per_row(fails, [vertex_keys[v] for v in vertex_list])
        edges_arr = np.asarray(edges, dtype=np.int64)
        vertices_arr = np.asarray(vertex_list, dtype=np.int64)
        for d in range(draws):
            failed_edges = set(edges_arr[edge_fails[d]].tolist())
            failed_vertices = set(vertices_arr[vertex_fails[d]].tolist())
            seen = {entry}
            stack = [entry]
            while stack:
                v = stack.pop()
                for w, e in inner[v]:
                    if w in seen or e in failed_edges or w in failed_vertices:
                        continue
                    seen.add(w)
                    stack.append(w)
            for v in seen:
                reached[v] += 1
        for v in members:
            if v != entry:
                block_reach[v] = reached[v] / draws
    # exact product along the tree, vectorised: log(1 − p) of each link added over its subtree's
    # preorder range (difference array + cumsum), so only the links holding an exposed asset cost
    # Python work. An asset already on the parent's link (a pole at a vertex carrying the cable
    # above and the one below) is counted once.
    n_order = len(graph.order)
    diff = np.zeros(n_order + 1)
    vertices = {graph.bridge_child[e] for e in exposed_edges if e in graph.bridges and e in graph.bridge_child}
    vertices.update(v for v in vertex_site if graph.comp_entry[graph.comp[v]] == v)
    vertices = np.fromiter(sorted(vertices), dtype=np.int64, count=len(vertices))
    totals = _link_log_factors(graph, vertices, seg_p, sup_p, vertex_site)
    pre, size = arrays.column(graph.pre), arrays.column(graph.size)
    keep = (totals != 0) & (pre[vertices] >= 0)  # not reached from an NRO: not served anyway
    starts = pre[vertices[keep]]
    np.add.at(diff, starts, totals[keep])
    np.add.at(diff, starts + size[vertices[keep]], -totals[keep])

    def add(v: int, log_factor: float) -> None:
        if graph.pre[v] < 0:
            return  # not reached from an NRO: its premises are not served anyway
        a = graph.pre[v]
        diff[a] += log_factor
        diff[a + graph.size[v]] -= log_factor

    for v, reach in block_reach.items():
        if reach < 1.0:
            add(v, float(np.log(max(reach, FLOOR))))
    log_surv = np.cumsum(diff[:n_order])
    surv = np.ones(n1)
    order = np.asarray(graph.order, dtype=np.int64)
    surv[order] = np.exp(log_surv)  # graph.order is the preorder: pre[order[i]] == i
    return surv


def premises_cut_probability(graph: ServiceGraph, seg_p: dict, sup_p: dict, site_p: dict, **kwargs) -> np.ndarray:
    """Probability of losing service of each served premises, in the graph's premises order."""
    surv = survival(graph, seg_p, sup_p, site_p, **kwargs)
    by_pre = 1.0 - surv[np.asarray(graph.order, dtype=np.int64)]
    by_pre[by_pre < 1e-9] = 0.0  # rounding left by the cumulative sums outside every exposed subtree
    counts = np.diff(graph.prem_offset)
    return np.clip(np.repeat(by_pre, counts), 0.0, 1.0)


def expected_figures(graph: ServiceGraph, q: np.ndarray) -> dict:
    """Probability-weighted figures, per commune and the critical sites at risk (p > 0)."""
    ncomm = len(graph.commune_insees) + 1
    cidx = np.where(graph.premises_commune >= 0, graph.premises_commune, ncomm - 1)
    p = np.bincount(cidx, weights=q, minlength=ncomm)
    h = np.bincount(cidx, weights=q * graph.premises_households, minlength=ncomm)
    b = np.bincount(cidx, weights=q * graph.premises_businesses, minlength=ncomm)
    crit = graph.premises_is_critical
    c = np.bincount(cidx[crit], weights=q[crit], minlength=ncomm)
    communes = []
    for i in np.flatnonzero(p > 0):
        insee = graph.commune_insees[i] if i < ncomm - 1 else ""
        communes.append({"insee": insee, "name": graph.communes.get(insee, ""), "premises": round(float(p[i]), 2),
                         "households": round(float(h[i]), 2), "businesses": round(float(b[i]), 2),
                         "critical": round(float(c[i]), 4)})
    communes.sort(key=lambda row: (-row["premises"], row["insee"]))
    at_risk = []
    for i in np.flatnonzero(crit & (q > 0)):
        ci = int(graph.premises_commune[i])
        at_risk.append({"code": graph.premises_codes[i], "category": graph.premises_critical[i],
                        "commune": graph.commune_insees[ci] if ci >= 0 else "", "probability": round(float(q[i]), 4)})
    at_risk.sort(key=lambda row: (-row["probability"], row["code"]))
    return {"premises": round(float(q.sum()), 2), "households": round(float(h.sum()), 2),
            "businesses": round(float(b.sum()), 2), "critical_sites": round(float(q[crit].sum()), 4),
            "communes": communes, "criticalSitesAtRisk": at_risk}
