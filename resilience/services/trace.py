"""Trace (*parcours*) of a premises: the way its service comes from the NRO, hop by hop.

Hops are ordered from the premises up to the NRO: the premises, then at each node its enclosures
and sites, and between nodes the cable (with its route segments and the supports standing at their
ends, in the direction of travel). In the tree part the way is unique; in a redundant block (a
transport ring) the trace takes the shortest way by route length. `distance_m` is counted from the
PBO.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from network.models import Network, Node, Premises

from .graph import ServiceGraph, get_service_graph, is_served, node_of_vertex, path_to_nro, vertex_of_enclosure


@dataclass
class Trace:
    premises: str
    served: bool
    hops: list[dict] = field(default_factory=list)
    length_m: float = 0.0
    nro: str | None = None

    def as_dict(self) -> dict:
        return {"premises": self.premises, "served": self.served, "nro": self.nro,
                "length_m": round(self.length_m, 1), "hops": self.hops}


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


def trace_on_graph(graph: ServiceGraph, premises_code: str, pbo_id: int | None) -> Trace:
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
    return trace_on_graph(get_service_graph(network), premises.code, premises.pbo_id)
