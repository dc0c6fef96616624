"""Trace (*parcours*) of a premises: the way its service comes from the NRO, hop by hop.

Hops are ordered from the premises up to the NRO: the premises, then at each node its enclosures
and sites, and between nodes the cable (with its route segments and the supports standing at their
ends, in the direction of travel). In the tree part the way is unique; in a redundant block (a
transport ring) the trace takes the shortest way by route length. `distance_m` is counted from the
PBO.

When the premises has an optical route (fibre_paths.py: GraceTHD `t_ropt`, `t_fibre`, `t_position`,
`t_cassette`, `t_tiroir`), the trace is that route instead (`model: "fibre"`): its fibres in order
from the PTO side up to the NRO, each with its cable, route segments and supports, and the
enclosures (with the cassette and splice position) and sites (with the patch panel, *tiroir*) where
it is spliced.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from network.models import Network, Node, Premises

from .graph import ServiceGraph, get_service_graph, is_served, node_of_vertex, path_to_nro, vertex_of_enclosure
from .graph.fibre_paths import read_routes_of


@dataclass
class Trace:
    premises: str
    served: bool
    hops: list[dict] = field(default_factory=list)
    length_m: float = 0.0
    nro: str | None = None
    model: str = "cable-level"  # "fibre" when the hops are the premises' optical route
    routes: list[str] = field(default_factory=list)  # the optical routes (rt_code) shown

    def as_dict(self) -> dict:
        return {"premises": self.premises, "served": self.served, "nro": self.nro,
                "length_m": round(self.length_m, 1), "model": self.model, "routes": self.routes, "hops": self.hops}


def _node_hops(graph: ServiceGraph, node_id: int, distance: float, first_enclosure: int | None = None) -> list[dict]:
    hops = []
    enclosures = list(graph.node_enclosures.get(node_id, ()))
    if first_enclosure is not None and first_enclosure in enclosures:
        enclosures.remove(first_enclosure)
        enclosures.insert(0, first_enclosure)
    for i in enclosures:
        hops.append({"kind": "enclosure", "code": graph.enclosure_codes[i], "type": graph.enclosure_type[i],
                     "node": graph.node_codes.get(node_id, ""), "distance_m": round(distance, 1)})
    for i in graph.node_sites.get(node_id, ()):
        hops.append({"kind": "site", "code": graph.site_codes[i], "type": graph.site_type[i],
                     "node": graph.node_codes.get(node_id, ""), "distance_m": round(distance, 1)})
    return hops


def _cable_hop(graph: ServiceGraph, e: int, a: int, distance: float) -> dict:
    segments = list(graph.edge_segments[e])
    nodes = list(graph.edge_path_nodes[e])
    supports = [graph.support_codes[i] for i in graph.edge_supports[e]]
    if graph.edge_u[e] != a:  # travelling v -> u
        segments.reverse()
        nodes.reverse()
        supports.reverse()
    ci = graph.edge_cable[e]
    return {
        "kind": "cable", "code": graph.cable_codes[ci], "role": graph.cable_role[ci],
        "from_node": graph.node_codes.get(node_of_vertex(graph, a), ""),
        "to_node": graph.node_codes.get(nodes[-1], "") if nodes else "",
        "length_m": round(graph.edge_length[e], 1), "distance_m": round(distance, 1),
        "segments": [{"code": graph.segment_codes[s], "laying_mode": graph.segment_mode[s],
                      "length_m": round(graph.segment_length[s], 1)} for s in segments],
        "supports": supports,
    }


def _fill_node_codes(graph: ServiceGraph, node_ids) -> None:
    """Codes of the nodes a trace shows, read in one query when the graph does not hold them."""
    missing = [n for n in set(node_ids) if n not in graph.node_codes]
    if missing:
        graph.node_codes.update(Node.objects.filter(id__in=missing).values_list("id", "code"))


def _has_fibre_path(graph: ServiceGraph, premises_id: int | None) -> bool:
    fibre = getattr(graph, "fibre", None)
    if fibre is None or premises_id is None:
        return False
    pos = np.flatnonzero(graph.premises_ids == premises_id)
    return bool(len(pos) and fibre.has_path[pos[0]])


def optical_trace(graph: ServiceGraph, premises_code: str, premises_id: int) -> Trace | None:
    """The premises' optical route as a trace (its first route by code when it has several);
    None when the route read now no longer checks against this graph."""
    routes = read_routes_of(graph.network_id, premises_id)
    by_route: dict[str, list] = {}
    for row in routes.elements:
        by_route.setdefault(row[0], []).append(row)
    if not by_route:
        return None
    out = Trace(premises=premises_code, served=True, model="fibre", routes=sorted(by_route),
                hops=[{"kind": "premises", "code": premises_code, "distance_m": 0.0}])
    enclosure_code_index = {c: i for i, c in enumerate(graph.enclosure_codes)}
    distance, shown_sites, last_cable = 0.0, set(), None
    for _rt, _seq, kind, code, ref, via in by_route[out.routes[0]]:
        if kind == "cable":
            ci = graph.cable_code_index.get(code)
            if ci is None:
                return None
            edges = graph.cable_edges.get(ci, [])
            _fill_node_codes(graph, [n for e in edges for n in graph.edge_path_nodes[e]])
            length = sum(graph.edge_length[e] for e in edges)
            out.hops.append({
                "kind": "cable", "code": code, "fibre": ref, "role": graph.cable_role[ci],
                "length_m": round(length, 1), "distance_m": round(distance, 1),
                "segments": [{"code": graph.segment_codes[s], "laying_mode": graph.segment_mode[s],
                              "length_m": round(graph.segment_length[s], 1)} for e in edges for s in graph.edge_segments[e]],
                "supports": [graph.support_codes[i] for e in edges for i in graph.edge_supports[e]],
            })
            distance += length
            last_cable = ci
        elif kind == "enclosure":
            i = enclosure_code_index.get(code)
            if i is not None:
                out.hops.append({"kind": "enclosure", "code": code, "type": graph.enclosure_type[i], "cassette": via,
                                 "position": ref, "distance_m": round(distance, 1)})
        elif kind == "site":
            i = graph.site_code_index.get(code)
            if i is not None:
                shown_sites.add(i)
                out.hops.append({"kind": "site", "code": code, "type": graph.site_type[i], "patch_panel": via,
                                 "position": ref, "distance_m": round(distance, 1)})
    if last_cable is not None:  # the sites at the last cable's ends the positions did not name
        for e in graph.cable_edges.get(last_cable, ()):
            for v in (graph.edge_u[e], graph.edge_v[e]):
                for i in graph.node_sites.get(graph.node_ids[v], ()):
                    if i not in shown_sites:
                        shown_sites.add(i)
                        out.hops.append({"kind": "site", "code": graph.site_codes[i], "type": graph.site_type[i],
                                         "distance_m": round(distance, 1)})
    out.length_m = distance
    nro = [h["code"] for h in out.hops if h["kind"] == "site" and h["type"] == "NRO"]
    out.nro = nro[-1] if nro else None
    return out


def trace_on_graph(graph: ServiceGraph, premises_code: str, pbo_id: int | None, premises_id: int | None = None) -> Trace:
    """The trace of one premises: its optical route when it has one (`premises_id` given), else
    its cable-level path."""
    if _has_fibre_path(graph, premises_id):
        optical = optical_trace(graph, premises_code, premises_id)
        if optical is not None:
            return optical
    out = Trace(premises=premises_code, served=False, hops=[{"kind": "premises", "code": premises_code, "distance_m": 0.0}])
    if pbo_id is None or pbo_id not in graph.enclosure_index:
        return out
    enclosure = graph.enclosure_index[pbo_id]
    node_id = graph.enclosure_node[enclosure]
    v = vertex_of_enclosure(graph, pbo_id)
    path = path_to_nro(graph, v)
    _fill_node_codes(graph, [node_id] + [n for e, _, _ in path for n in graph.edge_path_nodes[e]])
    out.hops += _node_hops(graph, node_id, 0.0, first_enclosure=enclosure)
    if not is_served(graph, v):
        return out
    out.served = True
    distance = 0.0
    for e, a, b in path:
        out.hops.append(_cable_hop(graph, e, a, distance))
        distance += graph.edge_length[e]
        out.hops += _node_hops(graph, node_of_vertex(graph, b), distance)
        v = b
    out.length_m = distance
    nro = [graph.site_codes[i] for i in graph.node_sites.get(node_of_vertex(graph, v), ()) if graph.site_type[i] == "NRO"]
    out.nro = nro[0] if nro else None
    return out


def trace(premises: Premises, network: Network | None = None) -> Trace:
    """The path of one premises (instance) to its NRO, on the current service graph."""
    network = network or Network.objects.get(pk=premises.network_id)
    return trace_on_graph(get_service_graph(network), premises.code, premises.pbo_id, premises.pk)
