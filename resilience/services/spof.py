"""Single points of failure (*points uniques de défaillance*): route segments, supports and sites
whose failure alone cuts premises, ranked by premises cut then critical sites cut.

Computed from the precomputed tree, not by running `impact` per element: a segment fails a set of
cable edges; when they are all bridges, the premises cut are the union of the subtrees below them
(a few interval look-ups); only elements touching a redundant block (a transport ring) need a
search inside that block. Elements failing the same set of edges (the segments of one cable, say)
are evaluated once. The table of every element is computed once per graph and kept on it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from network.models import Network

from .graph import ServiceGraph, get_service_graph, impact_ranges, vertex_of_site


@dataclass
class SinglePoint:
    kind: str  # "segment", "support" or "site"
    index: int  # index in the graph's arrays of that kind
    code: str
    premises: int
    households: int
    businesses: int
    critical: int
    ranges: tuple  # premises slices cut (graph positions)
    detail: str = ""  # laying mode, support type or site type

    def as_dict(self) -> dict:
        return {"kind": self.kind, "code": self.code, "type": self.detail, "premises": self.premises,
                "households": self.households, "businesses": self.businesses, "critical_sites": self.critical}


def _rank_key(sp: SinglePoint):
    return (-sp.premises, -sp.critical, sp.kind, sp.code)


def spof_table(graph: ServiceGraph) -> list[SinglePoint]:
    """Every segment, support and site whose single failure cuts at least one premises, ranked."""
    cached = getattr(graph, "_spof_table", None)
    if cached is not None:
        return cached
    memo: dict = {}

    def evaluate(key, edges, vertices):
        hit = memo.get(key)
        if hit is None:
            ranges = tuple(impact_ranges(graph, edges, vertices))
            hit = memo[key] = (ranges, graph.totals(ranges))
        return hit

    table: list[SinglePoint] = []

    def add(kind, index, code, detail, hit):
        ranges, (p, h, b, c) = hit
        if p:
            table.append(SinglePoint(kind, index, code, p, h, b, c, ranges, detail))

    for s, code in enumerate(graph.segment_codes):
        edges = graph.segment_edges.get(s)
        if edges:
            add("segment", s, code, graph.segment_mode[s], evaluate(("e", tuple(sorted(edges))), set(edges), set()))
    for i, code in enumerate(graph.support_codes):
        edges = graph.edges_of_segments(graph.segments_of_support(i))
        if edges:
            add("support", i, code, graph.support_type[i], evaluate(("e", tuple(sorted(edges))), edges, set()))
    for i, code in enumerate(graph.site_codes):
        v = vertex_of_site(graph, i)
        add("site", i, code, graph.site_type[i], evaluate(("v", v), set(), {v}))
    table.sort(key=_rank_key)
    graph._spof_table = table
    return table


def single_points_of_failure(network: Network, min_premises: int = 1, limit: int | None = None) -> list[SinglePoint]:
    """Segments, supports and sites whose single failure cuts at least `min_premises` premises,
    ranked by premises cut, then critical sites cut (then kind and code, for a stable order)."""
    table = spof_table(get_service_graph(network))
    out = [sp for sp in table if sp.premises >= max(1, min_premises)]
    return out[:limit] if limit else out


def commune_counts(graph: ServiceGraph, commune_position: int, entries) -> list[tuple[int, SinglePoint]]:
    """(premises of one commune cut, entry) for the entries cutting at least one of them."""
    in_commune = np.concatenate([[0], np.cumsum(graph.premises_commune == commune_position)])
    out = []
    for sp in entries:
        n = sum(int(in_commune[b] - in_commune[a]) for a, b in sp.ranges)
        if n:
            out.append((n, sp))
    return out
