"""What the other services ask a service graph (*interface du graphe*): the impact of failures,
what lies downstream of a vertex, which redundant blocks a failure touches, where an asset stands
in the graph. Services outside this package use these and the asset tables, never the tree
structure's attributes (comp, pre, size…), so the representation can change (shared arrays,
fibre-level paths) without touching them."""
from __future__ import annotations

import numpy as np

from .service_graph import ServiceGraph


def vertex_of_site(graph: ServiceGraph, site: int) -> int:
    """The vertex of site index `site`."""
    return graph.node_index[graph.site_node[site]]


def vertex_of_enclosure(graph: ServiceGraph, enclosure_id: int) -> int | None:
    """The vertex of the enclosure with this database id (a premises' PBO), None if unknown."""
    i = graph.enclosure_index.get(enclosure_id)
    return None if i is None else graph.node_index[graph.enclosure_node[i]]


def node_of_vertex(graph: ServiceGraph, v: int) -> int | None:
    """The node id of vertex v (a node split by cable level has several vertices), None for the source."""
    return None if v == graph.source else graph.node_ids[v]


def is_served(graph: ServiceGraph, v: int) -> bool:
    """Vertex v reaches an NRO with nothing broken."""
    return bool(graph.reached[v])


def is_dual_fed(graph: ServiceGraph, v: int) -> bool:
    """No single real cable isolates vertex v's block from the NROs."""
    c = graph.comp[v]
    return c >= 0 and bool(graph.comp_dual_fed[c])


def downstream(graph: ServiceGraph, v: int) -> tuple[int, int]:
    """The slice of the premises arrays that is fed only through vertex v and below it."""
    return graph.subtree_range(v)


def blocks_touched(graph: ServiceGraph, failed_edges, failed_vertices) -> set[int]:
    """The redundant blocks (2-edge-connected components of more than one vertex) holding a
    failed non-bridge edge or a failed vertex: the only places a reachability search is needed."""
    out = set()
    for e in failed_edges:
        if e not in graph.bridges and graph.reached[graph.edge_u[e]] and graph.edge_u[e] != graph.edge_v[e]:
            out.add(graph.comp[graph.edge_u[e]])
    for v in failed_vertices:
        if graph.reached[v] and len(graph.comp_nodes[graph.comp[v]]) > 1:
            out.add(graph.comp[v])
    return out


def impact_ranges(graph: ServiceGraph, failed_edges, failed_vertices) -> list[tuple[int, int]]:
    """Disjoint premises slices cut by these failed edges and vertices (with fibre-level paths,
    the runs of consecutive positions cut, which `graph.totals` sums the same way)."""
    if getattr(graph, "fibre", None) is None:
        return graph.merged_ranges(graph.cut_vertices(set(failed_edges), set(failed_vertices)))
    return ranges_of_positions(graph.cut_positions(set(failed_edges), set(failed_vertices)))


def ranges_of_positions(positions: np.ndarray) -> list[tuple[int, int]]:
    """Sorted distinct positions as disjoint half-open slices (runs of consecutive positions)."""
    if not len(positions):
        return []
    breaks = np.flatnonzero(np.diff(positions) != 1)
    starts = np.concatenate([[positions[0]], positions[breaks + 1]])
    ends = np.concatenate([positions[breaks], [positions[-1]]]) + 1
    return [(int(a), int(b)) for a, b in zip(starts, ends)]


def impact(graph: ServiceGraph, failed_edges, failed_vertices) -> np.ndarray:
    """Sorted positions in the premises arrays of the premises cut by these failed edges and vertices."""
    return graph.cut_positions(set(failed_edges), set(failed_vertices))


def model_summary(graph: ServiceGraph) -> dict:
    """Which service-path model this network's graph uses, for the API and reports."""
    out = {"service_paths": graph.service_model, "premises_with_fibre_path": graph.fibre_path_premises,
           "level_split_nodes": len(graph.level_split_nodes)}
    fibre = getattr(graph, "fibre", None)
    if fibre is not None:
        out["optical_routes"] = int(fibre.routes)
        out["dropped_routes"] = fibre.dropped()
    return out


def path_to_nro(graph: ServiceGraph, v: int) -> list[tuple[int, int, int]]:
    """Hops (edge, from vertex, to vertex) from v up to an NRO ([] when v is not served)."""
    return graph.path_to_source(v) if graph.reached[v] else []


def batch_impact(graph: ServiceGraph, segments, failed_vertices=()) -> np.ndarray:
    """Positions of the premises cut when these segment indices (and vertices) fail, vectorised:
    the way to ask for thousands of cuts at once (an exposure, a benchmark)."""
    edges = graph.edges_of_segment_array(np.asarray(segments, dtype=np.int64))
    return graph.cut_positions_of_edges(edges, failed_vertices)
