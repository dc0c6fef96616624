"""From logical links to the physical network: route segments (*cheminements*) span by span between
support points (poles, façade anchors, chambers), and one cable per link running over its spans.

A link's laying mode depends on what it crosses: the premises density around its middle decides
countryside (poles), bourg (façades, conduit, poles) or town (conduit); transport mostly runs in
conduit. Spans are as long as the mode allows (a pole every ~50 m, a chamber every ~140 m), and the
intermediate supports zig-zag a little sideways like a real line along a road.
"""
from dataclasses import dataclass

import numpy as np

from . import params
from .topology import CO, TR, Topology

AERIAL, FACADE, UNDERGROUND = "A", "F", "C"
_SUPPORT_OF_MODE = {"0": AERIAL, "1": AERIAL, "2": FACADE, "4": UNDERGROUND, "7": UNDERGROUND}
SUPPORT_TYPES = (AERIAL, UNDERGROUND, FACADE)


@dataclass
class Physical:
    node_xy: np.ndarray        # (N, 2): key nodes first (same indices as Topology), then intermediate supports
    seg_n1: np.ndarray         # (S,) node indices
    seg_n2: np.ndarray
    seg_mode: np.ndarray       # (S,) cm_typ_imp
    seg_link: np.ndarray       # (S,) link (= cable) each segment belongs to, in route order
    seg_pos: np.ndarray        # (S,) position of the segment in its cable's route
    sup_node: np.ndarray       # (P,) node of each support point
    sup_type: np.ndarray       # (P,) A / C / F
    sup_owner: np.ndarray      # (P,) RIP / ORANGE / ENEDIS
    sup_state: np.ndarray      # (P,) OK / ME / HS
    link_mode: np.ndarray      # (E,) laying mode of each link
    link_span_start: np.ndarray  # (E,) first segment of each link
    link_spans: np.ndarray       # (E,) segment count of each link


def _density_class(mid: np.ndarray, premises_xy: np.ndarray) -> np.ndarray:
    """0 countryside, 1 bourg, 2 town, from premises per grid cell at each point."""
    cell = params.DENSITY_CELL
    keys = np.floor(premises_xy / cell).astype(np.int64)
    flat = keys[:, 0] * 10_000_000 + keys[:, 1]
    uniq, counts = np.unique(flat, return_counts=True)
    q = np.floor(mid / cell).astype(np.int64)
    qf = q[:, 0] * 10_000_000 + q[:, 1]
    i = np.clip(np.searchsorted(uniq, qf), 0, len(uniq) - 1)
    c = np.where(uniq[i] == qf, counts[i], 0)
    return np.where(c >= params.TOWN_MIN, 2, np.where(c >= params.BOURG_MIN, 1, 0))


def _draw(rng, probs, size) -> np.ndarray:
    return rng.choice(np.array(params.MODES), size=size, p=np.array(probs) / np.sum(probs))


def choose_modes(topo: Topology, premises_xy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    a, b = topo.key_xy[topo.link_a], topo.key_xy[topo.link_b]
    dens = _density_class((a + b) / 2, premises_xy)
    modes = np.empty(len(a), dtype="<U1")
    transport = np.isin(topo.link_role, [TR, CO])
    modes[transport] = _draw(rng, params.TRANSPORT_MIX, int(transport.sum()))
    for cls, name in enumerate(("rural", "bourg", "town")):
        sel = ~transport & (dens == cls)
        modes[sel] = _draw(rng, params.DISTRIBUTION_MIX[name], int(sel.sum()))
    return modes


def _span_length(modes: np.ndarray, transport: np.ndarray) -> np.ndarray:
    span = np.full(len(modes), params.UNDERGROUND_SPAN)
    span[np.isin(modes, ["0", "1"])] = params.AERIAL_SPAN
    span[modes == "2"] = params.FACADE_SPAN
    span[transport & np.isin(modes, ["4", "7"])] = params.TRANSPORT_UNDERGROUND_SPAN
    return span


def _states(rng, table, size) -> np.ndarray:
    values, p = zip(*table)
    return rng.choice(np.array(values), size=size, p=np.array(p))


def build_physical(topo: Topology, premises_xy: np.ndarray, rng: np.random.Generator) -> Physical:
    modes = choose_modes(topo, premises_xy, rng)
    transport = np.isin(topo.link_role, [TR, CO])
    a, b = topo.key_xy[topo.link_a], topo.key_xy[topo.link_b]
    vec = b - a
    length = np.hypot(vec[:, 0], vec[:, 1])
    span = _span_length(modes, transport) * rng.uniform(0.8, 1.2, len(modes))
    spans = np.maximum(1, np.ceil(length / span)).astype(np.int64)
    spans = np.maximum(spans, np.where(np.abs(topo.link_bow) >= 0.2, 3, 1))  # the two routes of a one-SRO loop differ
    unit = vec / length[:, None]
    perp = np.column_stack([-unit[:, 1], unit[:, 0]])

    # Intermediate supports: i/spans along the link, bowed and jittered sideways.
    inner = spans - 1
    link_of = np.repeat(np.arange(len(spans)), inner)
    first_inner = np.concatenate([[0], np.cumsum(inner)[:-1]])
    i = np.arange(len(link_of)) - first_inner[link_of] + 1
    t = i / spans[link_of]
    sd = np.where(transport, 3.0, 1.5)[link_of]
    side = topo.link_bow[link_of] * length[link_of] * np.sin(np.pi * t) + rng.normal(0.0, 1.0, len(t)) * sd
    inner_xy = a[link_of] + vec[link_of] * t[:, None] + perp[link_of] * side[:, None]
    k = len(topo.key_xy)
    node_xy = np.vstack([topo.key_xy, inner_xy])

    # Node sequence of each link: a, its intermediate nodes, b. Segment j joins seq[j], seq[j+1].
    seq_len = spans + 1
    seq_start = np.concatenate([[0], np.cumsum(seq_len)[:-1]])
    seq = np.empty(int(seq_len.sum()), dtype=np.int64)
    seq[seq_start] = topo.link_a
    seq[seq_start + spans] = topo.link_b
    mid = np.ones(len(seq), dtype=bool)
    mid[seq_start] = False
    mid[seq_start + spans] = False
    seq[mid] = k + np.arange(len(link_of))
    is_last = np.zeros(len(seq), dtype=bool)
    is_last[seq_start + spans] = True
    from_idx = np.flatnonzero(~is_last)
    seg_n1, seg_n2 = seq[from_idx], seq[from_idx + 1]
    seg_link = np.repeat(np.arange(len(spans)), spans)
    span_start = np.concatenate([[0], np.cumsum(spans)[:-1]])
    seg_pos = np.arange(len(seg_link)) - span_start[seg_link]
    seg_mode = modes[seg_link]

    # Support points: one per (node, kind) met at segment ends; a chamber at the foot of every site.
    owner_link = np.where(
        np.isin(modes, ["0"]), np.where(rng.random(len(modes)) < params.TELECOM_POLE_RIP_SHARE, "RIP", "ORANGE"),
        np.where(modes == "1", "ENEDIS", np.where((modes == "7") & ~transport & (rng.random(len(modes)) < 0.6), "ORANGE", "RIP")),
    )
    kind_link = np.array([_SUPPORT_OF_MODE[m] for m in modes]) if len(modes) else np.zeros(0, dtype="<U1")
    n_sites = topo.n_nro + topo.n_sro
    cand_node = np.concatenate([seg_n1, seg_n2, np.arange(n_sites)])
    cand_kind = np.concatenate([kind_link[seg_link], kind_link[seg_link], np.full(n_sites, UNDERGROUND)])
    cand_owner = np.concatenate([owner_link[seg_link], owner_link[seg_link], np.full(n_sites, "RIP")])
    kind_code = np.searchsorted(np.array(sorted(SUPPORT_TYPES)), cand_kind)
    key = cand_node * 4 + kind_code
    uniq, first = np.unique(key, return_index=True)
    sup_node, sup_type, sup_owner = cand_node[first], cand_kind[first], cand_owner[first]
    sup_state = np.where(sup_type == AERIAL, _states(rng, params.POLE_STATE, len(first)),
                         np.where(sup_type == UNDERGROUND, _states(rng, params.CHAMBER_STATE, len(first)), "OK"))
    return Physical(
        node_xy=node_xy, seg_n1=seg_n1, seg_n2=seg_n2, seg_mode=seg_mode, seg_link=seg_link, seg_pos=seg_pos,
        sup_node=sup_node, sup_type=sup_type, sup_owner=sup_owner, sup_state=sup_state, link_mode=modes,
        link_span_start=span_start, link_spans=spans,
    )


def support_index(phys: Physical, nodes: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Index of the support of kind `kinds[i]` standing at `nodes[i]` (it must exist)."""
    kind_code = np.searchsorted(np.array(sorted(SUPPORT_TYPES)), phys.sup_type)
    keys = phys.sup_node * 4 + kind_code
    want = nodes * 4 + np.searchsorted(np.array(sorted(SUPPORT_TYPES)), kinds)
    idx = np.searchsorted(keys, want)
    assert (keys[idx] == want).all(), "a PBO without its support point"
    return idx


def pbo_support_kind(topo: Topology, phys: Physical) -> np.ndarray:
    """Each PBO sits on the support of the distribution link that feeds it: a pole for an aerial
    feed, a façade anchor for a façade one, a chamber for an underground one."""
    pbo0 = topo.n_nro + topo.n_sro
    kind = np.empty(topo.n_pbo, dtype="<U1")
    feed = topo.link_b >= pbo0
    kind[topo.link_b[feed] - pbo0] = np.array([_SUPPORT_OF_MODE[m] for m in phys.link_mode[feed]])
    return kind


@dataclass
class RoadPhysical(Physical):
    """Physical network along roads: `Physical` plus the cable drawings. Drops are not in it: a
    premises hangs on its PBO (`Premises.pbo`), its drop is a length (`Paths.drop_road_m`)."""

    node_kind: np.ndarray = None       # (N,) "key", "road", "span"
    cable_pts: np.ndarray = None       # flat node sequence of every cable drawing
    cable_pts_link: np.ndarray = None
    cable_xy: np.ndarray = None        # coordinates of the cable drawings
    link_length: np.ndarray = None     # length of each cable (sum of its segments)


def build_along_roads(topo: Topology, fine, paths, roads, premises_xy: np.ndarray, rng: np.random.Generator) -> RoadPhysical:
    """Route segments on the fine edges the cables use, cut into spans by laying mode."""
    from .routing import Paths  # noqa: F401  (type only)

    R = fine.n_road
    K = len(topo.key_xy)
    used = np.unique(paths.step_edge)
    # Laying mode per road edge: distribution mix by density where a distribution cable runs,
    # transport mix on roads only transport or collect cables take.
    E = len(roads.a)
    dist_use = np.zeros(E, dtype=bool)
    di_step = paths.link_role[paths.step_link] == "DI"
    dist_use[fine.edge[paths.step_edge[di_step]]] = True
    mid = (roads.xy[roads.a] + roads.xy[roads.b]) / 2
    dens = _density_class(mid, premises_xy)
    modes = _draw(rng, params.TRANSPORT_MIX, E)
    for cls, name in enumerate(("rural", "bourg", "town")):
        sel = dist_use & (dens == cls)
        modes[sel] = _draw(rng, params.DISTRIBUTION_MIX[name], int(sel.sum()))
    transport = ~dist_use
    span = _span_length(modes, transport) * rng.uniform(0.8, 1.2, E)
    owner_edge = np.where(
        modes == "0", np.where(rng.random(E) < params.TELECOM_POLE_RIP_SHARE, "RIP", "ORANGE"),
        np.where(modes == "1", "ENEDIS", np.where((modes == "7") & dist_use & (rng.random(E) < 0.6), "ORANGE", "RIP")),
    )
    # Spans of every used fine edge: n pieces, intermediate nodes on the straight road.
    fe_len = fine.length[used]
    pieces = np.maximum(1, np.rint(fe_len / span[fine.edge[used]])).astype(np.int64)
    inner = pieces - 1
    own = np.repeat(np.arange(len(used)), inner)
    first = np.concatenate([[0], np.cumsum(inner)[:-1]])
    k = np.arange(len(own)) - first[own] + 1
    t = k / pieces[own]
    fu, fv = fine.u[used], fine.v[used]
    inner_xy = fine.xy[fu[own]] + (fine.xy[fv[own]] - fine.xy[fu[own]]) * t[:, None]
    # Written nodes: key nodes, road nodes in use, span nodes.
    ends = np.unique(np.concatenate([fu, fv]))
    road_used = ends[ends < R]
    fine_to_node = np.full(len(fine.xy), -1)
    fine_to_node[R:] = np.arange(K)
    fine_to_node[road_used] = K + np.arange(len(road_used))
    span0 = K + len(road_used)
    node_xy = np.vstack([topo.key_xy, fine.xy[road_used], inner_xy])
    node_kind = np.concatenate([np.full(K, "key"), np.full(len(road_used), "road"), np.full(len(inner_xy), "span")])
    # Segment node sequence per used fine edge (oriented u → v).
    seq_len = pieces + 1
    seq_start = np.concatenate([[0], np.cumsum(seq_len)[:-1]])
    seq = np.empty(int(seq_len.sum()), dtype=np.int64)
    seq[seq_start] = fine_to_node[fu]
    seq[seq_start + pieces] = fine_to_node[fv]
    mid_mask = np.ones(len(seq), dtype=bool)
    mid_mask[seq_start] = False
    mid_mask[seq_start + pieces] = False
    seq[mid_mask] = span0 + np.arange(len(own))
    is_last = np.zeros(len(seq), dtype=bool)
    is_last[seq_start + pieces] = True
    fi = np.flatnonzero(~is_last)
    seg_n1, seg_n2 = seq[fi], seq[fi + 1]
    seg_fe = np.repeat(np.arange(len(used)), pieces)          # index into `used`
    seg_first = np.concatenate([[0], np.cumsum(pieces)[:-1]])  # first segment of each used fine edge
    seg_mode = modes[fine.edge[used]][seg_fe]
    # Extra ducts: a transport loop over a road twice gets its own segments there (same poles).
    ui_all = np.searchsorted(used, paths.step_edge)
    extra = paths.step_var > 0
    pair = ui_all[extra] * 64 + paths.step_var[extra]
    upair = np.unique(pair)
    extra_first = np.zeros(len(upair), dtype=np.int64)
    if len(upair):
        fe = upair // 64
        block = pieces[fe]
        extra_first = len(seg_n1) + np.concatenate([[0], np.cumsum(block)[:-1]])
        rows = np.repeat(seg_first[fe], block) + (np.arange(int(block.sum())) - np.repeat(extra_first - len(seg_n1), block))
        seg_n1, seg_n2 = np.concatenate([seg_n1, seg_n1[rows]]), np.concatenate([seg_n2, seg_n2[rows]])
        seg_mode = np.concatenate([seg_mode, seg_mode[rows]])
        seg_fe = np.concatenate([seg_fe, seg_fe[rows]])
    step_first = seg_first[ui_all].copy()
    step_first[extra] = extra_first[np.searchsorted(upair, pair)]

    # Cable routes: each step expands to its fine edge's segments (reversed when walked v → u).
    ui = np.searchsorted(used, paths.step_edge)
    cnt = pieces[ui].copy()
    L = len(paths.link_a)
    rep = np.repeat(np.arange(len(ui)), cnt)
    j = np.arange(len(rep)) - np.concatenate([[0], np.cumsum(cnt)[:-1]])[rep]
    fwd = paths.step_fwd[rep]
    seg_idx = step_first[rep] + np.where(fwd, j, pieces[ui[rep]] - 1 - j)
    seg_link = paths.step_link[rep]
    route_start = np.concatenate([[0], np.flatnonzero(seg_link[1:] != seg_link[:-1]) + 1])
    seg_pos = np.arange(len(seg_link)) - np.repeat(route_start, np.diff(np.concatenate([route_start, [len(seg_link)]])))
    # Cable drawings: the node at the start of each route step, then its end.
    a_node = np.where(fwd, seg_n1[seg_idx], seg_n2[seg_idx])
    b_node = np.where(fwd, seg_n2[seg_idx], seg_n1[seg_idx])
    link_spans = np.bincount(seg_link, minlength=L)
    span_start = np.concatenate([[0], np.cumsum(link_spans)[:-1]])
    pts = np.insert(a_node, span_start + link_spans, b_node[span_start + link_spans - 1])
    pts_link = np.repeat(np.arange(L), link_spans + 1)
    cable_xy = node_xy[pts]
    seg_len_all = np.hypot(*(node_xy[seg_n2] - node_xy[seg_n1]).T)
    link_length = np.bincount(seg_link, seg_len_all[seg_idx], minlength=L)

    # Supports: one per (node, kind) at segment ends; a chamber at the foot of every site.
    kind_of_mode = {m: _SUPPORT_OF_MODE[m] for m in params.MODES}
    seg_kind = np.array([kind_of_mode[m] for m in seg_mode]) if len(seg_mode) else np.zeros(0, dtype="<U1")
    seg_owner = owner_edge[fine.edge[used]][seg_fe]
    n_sites = topo.n_nro + topo.n_sro
    cand_node = np.concatenate([seg_n1, seg_n2, np.arange(n_sites)])
    cand_kind = np.concatenate([seg_kind, seg_kind, np.full(n_sites, UNDERGROUND)])
    cand_owner = np.concatenate([seg_owner, seg_owner, np.full(n_sites, "RIP")])
    kind_code = np.searchsorted(np.array(sorted(SUPPORT_TYPES)), cand_kind)
    key = cand_node * 4 + kind_code
    _, first_c = np.unique(key, return_index=True)
    sup_node, sup_type, sup_owner = cand_node[first_c], cand_kind[first_c], cand_owner[first_c]
    sup_state = np.where(sup_type == AERIAL, _states(rng, params.POLE_STATE, len(first_c)),
                         np.where(sup_type == UNDERGROUND, _states(rng, params.CHAMBER_STATE, len(first_c)), "OK"))
    # Mode of each cable: that of its last segment (the PBO sits on the support of its feed).
    link_mode = seg_mode[seg_idx[span_start + link_spans - 1]]
    phys = RoadPhysical(
        node_xy=node_xy, seg_n1=seg_n1, seg_n2=seg_n2, seg_mode=seg_mode, seg_link=seg_link, seg_pos=seg_pos,
        sup_node=sup_node, sup_type=sup_type, sup_owner=sup_owner, sup_state=sup_state, link_mode=link_mode,
        link_span_start=span_start, link_spans=link_spans, node_kind=node_kind, cable_pts=pts, cable_pts_link=pts_link,
        cable_xy=cable_xy, link_length=link_length,
    )
    phys.route_segment = seg_idx   # segment of each cable-route row (segments are shared by cables)
    return phys
