"""Premises cut by a set of tickets, whatever their status, per commune (the union per network: two
tickets on one cable count once). reporting/services/crisis_figures.cut_figures answers the same question
for the open tickets only; the situation report also needs what the crisis's tickets cut since it
opened and what the tickets resolved since the last report gave back."""
from collections import defaultdict

from .crisis_figures import failed_assets_of


def premises_cut_by(ticket_ids) -> dict[str, dict]:
    """{insee: {"name", "premises", "critical"}} cut by the union of the tickets' damaged assets."""
    from network.models import Network
    from resilience.services.graph import get_service_graph
    from resilience.services.impact import UnknownAssets, impact_on_graph, resolve

    ticket_ids = list(ticket_ids)
    if not ticket_ids:
        return {}
    union = defaultdict(lambda: {"segments": set(), "supports": set(), "sites": set()})
    for entry in failed_assets_of(ticket_ids).values():
        for kind in ("segments", "supports", "sites"):
            union[entry["network"]][kind] |= entry[kind]
    out: dict[str, dict] = {}
    for network in Network.objects.filter(pk__in=list(union)):
        kinds = union[network.pk]
        graph = get_service_graph(network)
        try:
            idx = resolve(graph, network, sorted(kinds["segments"]), sorted(kinds["supports"]), sorted(kinds["sites"]))
        except UnknownAssets:
            continue  # an asset deleted since: the engine no longer knows it
        result = impact_on_graph(graph, idx["segments"], idx["supports"], idx["sites"])
        for commune in result.communes:
            acc = out.setdefault(commune.insee, {"name": commune.name, "premises": 0, "critical": 0})
            acc["premises"] += commune.premises
            acc["critical"] += commune.critical
    return out
