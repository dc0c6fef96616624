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
