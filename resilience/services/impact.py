"""Cut impact (*impact d'une coupure*): which premises lose service when segments, supports or
sites fail.

Rules: a failed support (pole *appui*, chamber *chambre*, façade anchor) fails every route segment
ending at its node that it carries (a pole the aerial ones, a chamber the underground ones, a façade
anchor the façade ones: graph.SUPPORT_CARRIES); a failed segment (*cheminement*) fails every cable running over it (only the stretch between
the enclosures the cable is spliced at, see graph.py); a failed site (flooded or unpowered NRO or
PM/SRO) fails its node, hence everything fed only through it. A premises loses service when no path
is left from its PBO to any NRO; premises that had no path before the failure are not counted.

Assets are named by GraceTHD code (str), database id (int) or model instance.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from network.models import Network, RouteSegment, Site, SupportPoint

from .graph import ServiceGraph, arrays, get_service_graph

KINDS = ("segments", "supports", "sites")
KIND_LABELS = {"segments": "segment", "supports": "support", "sites": "site"}
KIND_MODELS = {"segments": RouteSegment, "supports": SupportPoint, "sites": Site}


class UnknownAssets(ValueError):
    """Some asset references do not exist in the network. `errors` is the API error list:
    [{"path": "segments.2", "reason": "unknown segment code 'X' in network 'net-a'"}]."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['path']}: {e['reason']}" for e in errors))


@dataclass
class CommuneImpact:
    insee: str
    name: str
    premises: int = 0
    households: int = 0
    businesses: int = 0
    critical: int = 0


@dataclass
class ImpactResult:
    """What a set of failures cuts. `premises_ids` are database ids, in the graph's order
    (downstream of the same equipment together)."""

    network_id: int
    version: int
    premises_ids: list[int]
    households: int
    businesses: int
    communes: list[CommuneImpact]
    critical_sites: list[dict]  # {"id", "code", "category", "commune"}
    failed_segments: list[str]
    failed_supports: list[str]
    failed_sites: list[str]
    failed_cables: list[str]
    positions: np.ndarray = field(default=None, repr=False)  # positions in the graph's premises arrays

    @property
    def premises(self) -> int:
        return len(self.premises_ids)

    @property
    def critical(self) -> int:
        return len(self.critical_sites)

    def figures(self) -> dict:
        return {"premises": self.premises, "households": self.households, "businesses": self.businesses,
                "critical_sites": self.critical}


def _resolve_kind(graph: ServiceGraph, network: Network, kind: str, refs, errors: list[dict]) -> list[int]:
    """Indices in the graph of the referenced assets of one kind; unknown ones go to errors."""
    label = KIND_LABELS[kind]
    by_code = {"segments": graph.segment_code_index, "supports": graph.support_code_index, "sites": graph.site_code_index}[kind]
    by_id = {"segments": graph.segment_index, "supports": graph.support_index, "sites": graph.site_index}[kind]
    model = KIND_MODELS[kind]
    out = []
    for pos, ref in enumerate(refs or ()):
        if isinstance(ref, model):
            ref = ref.pk
        if isinstance(ref, bool) or not isinstance(ref, (str, int)):
            errors.append({"path": f"{kind}.{pos}", "reason": f"{label}: expected a code (string), got {ref!r}"})
            continue
        index = by_code.get(ref) if isinstance(ref, str) else by_id.get(ref)
        if index is None:
            what = "code" if isinstance(ref, str) else "id"
            errors.append({"path": f"{kind}.{pos}", "reason": f"unknown {label} {what} {ref!r} in network '{network.slug}'"})
        else:
            out.append(index)
    return out


def resolve(graph: ServiceGraph, network: Network, segments=(), supports=(), sites=()) -> dict[str, list[int]]:
    """Graph indices per kind; raises UnknownAssets naming every unknown reference."""
    errors: list[dict] = []
    resolved = {kind: _resolve_kind(graph, network, kind, refs, errors)
                for kind, refs in zip(KINDS, (segments, supports, sites))}
    if errors:
        raise UnknownAssets(errors)
    return resolved


def impact(network: Network, failed_segments=(), failed_supports=(), failed_sites=(), *, method: str = "fast") -> ImpactResult:
    """The premises that lose service when these assets fail.

    Each argument is an iterable of GraceTHD codes (str), database ids (int) or model instances.
    `method="reachability"` runs the brute-force search on the whole graph instead of the
    precomputed tree (same answer, slower: kept as the reference).
    """
    graph = get_service_graph(network)
    idx = resolve(graph, network, failed_segments, failed_supports, failed_sites)
    return impact_on_graph(graph, idx["segments"], idx["supports"], idx["sites"], method=method)


def impact_on_graph(graph: ServiceGraph, segments=(), supports=(), sites=(), *, method: str = "fast") -> ImpactResult:
    """Impact of failures given as graph indices (segments, supports, sites)."""
    edges, vertices, failed_segments = graph.failures(segments, supports, sites)
    if method == "fast":
        positions = graph.cut_positions(edges, vertices)
    elif method == "reachability":
        positions = graph.cut_positions_by_reachability(edges, vertices)
    else:
        raise ValueError(f"unknown method {method!r}")
    return result_from_positions(graph, positions, failed_segments, supports, sites)


def result_from_positions(graph: ServiceGraph, positions: np.ndarray, failed_segments, supports, sites) -> ImpactResult:
    households = int(graph.premises_households[positions].sum()) if len(positions) else 0
    businesses = int(graph.premises_businesses[positions].sum()) if len(positions) else 0
    communes: list[CommuneImpact] = []
    critical_sites: list[dict] = []
    if len(positions):
        cidx = graph.premises_commune[positions]
        valid = cidx >= 0
        ncomm = len(graph.commune_insees) + 1
        shifted = np.where(valid, cidx, ncomm - 1)
        p = np.bincount(shifted, minlength=ncomm)
        h = np.bincount(shifted, weights=graph.premises_households[positions], minlength=ncomm)
        b = np.bincount(shifted, weights=graph.premises_businesses[positions], minlength=ncomm)
        crit_flags = graph.premises_is_critical[positions]
        c = np.bincount(shifted[crit_flags], minlength=ncomm)
        for i in np.flatnonzero(p):
            insee = graph.commune_insees[i] if i < ncomm - 1 else ""
            communes.append(CommuneImpact(
                insee=insee, name=graph.communes.get(insee, ""), premises=int(p[i]), households=int(h[i]),
                businesses=int(b[i]), critical=int(c[i]),
            ))
        communes.sort(key=lambda row: (-row.premises, row.insee))
        for i in positions[crit_flags]:
            ci = int(graph.premises_commune[i])
            critical_sites.append({
                "id": int(graph.premises_ids[i]), "code": graph.premises_codes[i],
                "category": graph.premises_critical[i], "commune": graph.commune_insees[ci] if ci >= 0 else "",
            })
        critical_sites.sort(key=lambda row: row["code"])
    cables = sorted(set(arrays.take(graph.cable_codes, arrays.take(graph.edge_cable, list(graph.edges_of_segments(failed_segments))))))
    return ImpactResult(
        network_id=graph.network_id, version=graph.version,
        premises_ids=graph.premises_ids[positions].tolist(),
        households=households, businesses=businesses, communes=communes, critical_sites=critical_sites,
        failed_segments=sorted(arrays.take(graph.segment_codes, list(failed_segments))),
        failed_supports=sorted(arrays.take(graph.support_codes, list(set(supports)))),
        failed_sites=sorted(arrays.take(graph.site_codes, list(set(sites)))),
        failed_cables=cables, positions=positions,
    )


def impact_as_json(network: Network, result: ImpactResult, *, with_premises: bool = True) -> dict:
    """A JSON-storable summary of an impact, for what keeps it (a ticket's impact, an exposure run):
    figures, per-commune table, critical sites, failed assets and, when asked, the premises codes
    (a collective-outage ticket lists them; a département-wide exposure does not)."""
    data = {
        "networkVersion": result.version,
        **result.figures(),
        "communes": [vars(row) for row in result.communes],
        "criticalSites": [{k: v for k, v in site.items() if k != "id"} for site in result.critical_sites],
        "failedSegments": result.failed_segments,
        "failedSupports": result.failed_supports,
        "failedSites": result.failed_sites,
        "failedCables": result.failed_cables,
    }
    if with_premises:
        graph = get_service_graph(network)
        data["premisesCodes"] = [graph.premises_codes[i] for i in result.positions] if result.positions is not None else []
    return data
