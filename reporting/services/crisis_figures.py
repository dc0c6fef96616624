"""Crisis figures shared by the dashboard, the map and the commune summaries: premises exposed to
the active alerts (*locaux exposés*) and premises cut by the open tickets (*locaux coupés*).

- Exposed: the current ExposureRun of every active alert, per network and commune. Two alerts over
  the same commune (wind and rain-flood over one département, the usual case) cover the same
  premises: per (network, commune) the largest figure is kept, not the sum.
- Cut: the damaged assets of the open tickets (acknowledged, inProgress, pending, held) given to
  the impact engine (`resilience.services.impact.impact`), once per ticket (what each ticket cuts,
  its communes) and once per network for the union (two tickets on the same cable are not counted
  twice). The assets are read in two queries whatever the number of tickets; the engine works on
  its cached service graph (no query per ticket).
"""
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from core import safe_cache as cache

from incidents.models import DamagedAsset, TicketStatus
from network.models import CableRoute, Network
from resilience.models import Alert, ExposureRun
from resilience.models.exposure import ExposureStatus

OPEN_STATUSES = (TicketStatus.ACKNOWLEDGED, TicketStatus.IN_PROGRESS, TicketStatus.PENDING, TicketStatus.HELD)


def exposure_by_commune(runs_queryset) -> dict[str, dict]:
    """{insee: {"name", "premises", "critical"}} from the current runs of the active alerts (one query)."""
    active = Alert.objects.active().values("pk")
    rows = (runs_queryset.filter(status=ExposureStatus.CURRENT, alert__in=active)
            .values_list("network_id", "per_commune"))
    best: dict[tuple, dict] = {}
    for network_id, per_commune in rows:
        for row in per_commune or []:
            key = (network_id, row.get("insee") or "")
            kept = best.get(key)
            if kept is None or row.get("premises", 0) > kept["premises"]:
                best[key] = {"name": row.get("name", ""), "premises": row.get("premises", 0),
                             "critical": row.get("critical_premises", 0)}
    out: dict[str, dict] = {}
    for (_network, insee), row in best.items():
        acc = out.setdefault(insee, {"name": row["name"], "premises": 0, "critical": 0})
        acc["premises"] += row["premises"]
        acc["critical"] += row["critical"]
    return out


@dataclass
class CutFigures:
    premises: int = 0
    households: int = 0
    businesses: int = 0
    by_commune: dict = field(default_factory=dict)  # insee -> {"name", "premises", "critical"}
    critical_premises_ids: set = field(default_factory=set)
    tickets_by_commune: dict = field(default_factory=lambda: defaultdict(set))  # insee -> ticket ids
    restoration_by_commune: dict = field(default_factory=dict)  # insee -> latest expected resolution
    ticket_premises: dict = field(default_factory=dict)  # ticket id -> premises cut


def failed_assets_of(tickets) -> dict[int, dict]:
    """{ticket id: {"network", "segments", "supports", "sites"}} — the impact engine's arguments for
    each ticket (a cable contributes its route segments, an enclosure its support point), in two
    queries whatever the number of tickets."""
    out: dict[int, dict] = {}
    cables = defaultdict(list)
    for ticket_id, network_id, _kind, seg, sup, site, encl_sup, cable_id in DamagedAsset.objects.filter(
            ticket__in=tickets).values_list("ticket_id", "ticket__network_id", "referred_type", "segment__code",
                                            "support__code", "site__code", "enclosure__support__code", "cable_id"):
        entry = out.setdefault(ticket_id, {"network": network_id, "segments": set(), "supports": set(), "sites": set()})
        if seg:
            entry["segments"].add(seg)
        elif sup:
            entry["supports"].add(sup)
        elif site:
            entry["sites"].add(site)
        elif encl_sup:
            entry["supports"].add(encl_sup)
        elif cable_id:
            cables[cable_id].append(ticket_id)
    if cables:
        for cable_id, code in CableRoute.objects.filter(cable_id__in=list(cables)).values_list("cable_id", "segment__code"):
            for ticket_id in cables[cable_id]:
                out[ticket_id]["segments"].add(code)
    return out


CUT_CACHE_SECONDS = 3600


def cut_figures(tickets_queryset) -> CutFigures:
    """What the open tickets of `tickets_queryset` (already scoped) cut, per commune.

    Cached (issue 17): the figures only change with the open tickets (id, status, last update:
    every patch bumps it) and the networks' versions, so one query reads that state and the impact
    engine runs only when it changed. 40 open tickets on the 300 000-premises network cost ~0.6 s
    of impact per call otherwise, paid by every commune summary, PDF and dashboard refresh. Figures
    made while a network's graph was not stored yet (issue 18: a web request never builds one) are
    not cached, so the next call counts those tickets."""
    state = sorted(tickets_queryset.filter(status__in=OPEN_STATUSES).values_list(
        "pk", "status", "last_update", "expected_resolution_date", "network_id"))
    networks = {n.pk: n for n in Network.objects.filter(pk__in={row[-1] for row in state})} if state else {}
    versions = sorted((n.pk, n.created_at, n.version) for n in networks.values())
    key = "cut-figures:" + hashlib.sha256(repr((state, versions)).encode()).hexdigest()[:40]
    cached = cache.get(key)
    if cached is not None:
        return cached
    figures, complete = _compute_cut_figures([(row[0], row[3]) for row in state], networks)
    figures.tickets_by_commune = dict(figures.tickets_by_commune)  # picklable (no lambda factory)
    if complete:
        cache.set(key, figures, CUT_CACHE_SECONDS)
    return figures


def _compute_cut_figures(tickets: list, networks: dict) -> tuple[CutFigures, bool]:
    """tickets: [(id, expected resolution)] of the open tickets; networks: {id: Network} of theirs.
    Returns the figures and whether every network's graph was ready."""
    # imported here: numpy/scipy (service graph, impact) stay off the start-up path of web and worker processes
    from resilience.services.graph import GraphNotReady, get_request_graph
    from resilience.services.impact import UnknownAssets, impact_on_graph, resolve

    graphs = {}
    complete = True

    def impact(network, segments, supports, sites):
        # one graph look-up per network (it reads the network version): no query per ticket; a web
        # page never builds a graph (GraphNotReady while a worker does: that network's tickets are
        # left out of the figures until it is stored)
        if network.pk not in graphs:
            graphs[network.pk] = get_request_graph(network)
        graph = graphs[network.pk]
        idx = resolve(graph, network, segments, supports, sites)
        return impact_on_graph(graph, idx["segments"], idx["supports"], idx["sites"])

    figures = CutFigures()
    if not tickets:
        return figures, complete
    expected = dict(tickets)
    assets = failed_assets_of([pk for pk, _ in tickets])
    union = defaultdict(lambda: {"segments": set(), "supports": set(), "sites": set()})
    for ticket_id, entry in assets.items():
        network = networks[entry["network"]]
        try:
            result = impact(network, sorted(entry["segments"]), sorted(entry["supports"]), sorted(entry["sites"]))
        except GraphNotReady:
            complete = False
            continue
        except UnknownAssets:
            continue  # an asset deleted since: the ticket keeps its code, the engine no longer knows it
        figures.ticket_premises[ticket_id] = result.premises
        for kind in ("segments", "supports", "sites"):
            union[network.pk][kind] |= entry[kind]
        for commune in result.communes:
            figures.tickets_by_commune[commune.insee].add(ticket_id)
            when = expected.get(ticket_id)
            if when and (commune.insee not in figures.restoration_by_commune
                         or when > figures.restoration_by_commune[commune.insee]):
                figures.restoration_by_commune[commune.insee] = when
    for network_id, kinds in union.items():
        try:
            result = impact(networks[network_id], sorted(kinds["segments"]), sorted(kinds["supports"]),
                            sorted(kinds["sites"]))
        except GraphNotReady:
            complete = False
            continue
        except UnknownAssets:
            continue
        figures.premises += result.premises
        figures.households += result.households
        figures.businesses += result.businesses
        for commune in result.communes:
            acc = figures.by_commune.setdefault(commune.insee, {"name": commune.name, "premises": 0, "critical": 0})
            acc["premises"] += commune.premises
            acc["critical"] += commune.critical
        figures.critical_premises_ids |= {row["id"] for row in result.critical_sites}
    return figures, complete


def visible_runs(principal):
    return ExposureRun.objects.restrict(principal)
