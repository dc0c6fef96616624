"""Restoration planner (*plan de rétablissement*): in what order the crews repair the damage of a
crisis, and when service comes back, for the network and per commune (ETA p50 / p90).

Entry point for other apps (the situation reports call it): `restoration_outlook(crisis, at=None)`.

Damage. From the crisis's trouble tickets (each damaged asset of a ticket is one repair job) when
there are any; else, before any ticket, from the expected damage of the crisis's alerts (their
current exposure runs, damage model of resilience/services/damage.py): one draw of the failures
with a fixed seed, each asset failing with its probability.

Order of repairs (greedy, re-evaluated on nothing but each job's own effect, which keeps it cheap):
1. jobs whose damage alone cuts a critical site (hospital, EHPAD, SDIS, town hall…) first, most
   critical sites first;
2. then by premises restored per crew-hour: premises its damage alone cuts (impact engine) ÷
   (travel + repair hours).
Teams take the next job as soon as they are free (list scheduling), within their working hours
and interventions per day (`Crew`; no crew declared: DEFAULT_TEAMS_PER_PREMISES).

Curve. Premises without service at each job completion: the impact engine on the assets still
broken (a premises is cut while any element of its own path is). Predicted: the plan made from the
crisis's first ticket with all its damage (the baseline), then, from `at` on, the plan re-made
from `at` with the damage still open, so the prediction moves as tickets are resolved. Actual:
the impact of the assets of the tickets open at that time (created, not yet resolved).

ETA per commune: `eta_p50` when half of the premises of the commune still cut at `at` are back,
`eta_p90` when 90 % are, from the re-made plan.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Q
from django.utils import timezone

from network.models import SupportPoint, SupportType
from resilience.services.graph import get_service_graph

# No crew declared: one team of two per 10 000 premises of the networks (at least 2): the fibre share of a
# storm mobilisation (Ciarán: ~3 000 technicians for the copper and fibre networks of all Bretagne).
DEFAULT_TEAMS_PER_PREMISES = 1 / 10_000
EXPECTED_SEED = 2023
MAX_CURVE_POINTS = 150
MAX_ETA_CHECKPOINTS = 400
PLAN_LIMIT = 500
OPEN_EXCLUDED = ("cancelled", "rejected")


@dataclass
class Job:
    """One repair: an asset of a ticket (or of the expected damage) and what it fails in the graph."""

    network_id: int
    kind: str  # RouteSegment, SupportPoint, Site, Cable, Enclosure
    code: str
    asset_class: str  # pole, span, chamber, site, cable, enclosure
    segments: tuple = ()
    supports: tuple = ()
    sites: tuple = ()
    ticket_id: int | None = None
    created: datetime | None = None
    resolved: datetime | None = None
    premises: int = 0
    critical: int = 0
    commune: str = ""
    hours: float = 0.0
    start: datetime | None = None
    end: datetime | None = None
    team: int = -1

    def as_json(self, order: int) -> dict:
        return {"order": order, "network_id": self.network_id, "asset": {"@referredType": self.kind, "id": self.code},
                "asset_class": self.asset_class, "ticket": self.ticket_id, "commune": self.commune,
                "premises_restored_alone": self.premises, "critical_sites": self.critical,
                "hours": round(self.hours, 2), "team": self.team,
                "start": _iso(self.start), "end": _iso(self.end)}


@dataclass
class TeamPool:
    """The teams at work: count, pace and the hours of each repair class."""

    teams: int
    interventions_per_day: float = 4.0
    working_hours_per_day: float = 10.0
    travel_hours: float = 40 / 60
    hours: dict = field(default_factory=lambda: {"pole": 3.0, "span": 1.5, "chamber": 2.0, "site": 6.0,
                                                 "cable": 4.0, "enclosure": 1.5})
    declared: bool = False

    def as_json(self) -> dict:
        return {"teams": self.teams, "interventions_per_day": self.interventions_per_day,
                "working_hours_per_day": self.working_hours_per_day, "travel_minutes": round(self.travel_hours * 60),
                "hours_per_repair": self.hours, "declared": self.declared}


def _iso(value):
    return value.isoformat() if value else None


# --- damage -----------------------------------------------------------------------------------

SUPPORT_CLASS = {SupportType.POLE: "pole", SupportType.CHAMBER: "chamber", SupportType.FACADE_ANCHOR: "span"}


def crisis_tickets(crisis):
    from incidents.models import TroubleTicket

    qs = TroubleTicket.objects.filter(network__in=crisis.networks.all(), creation_date__gte=crisis.opened_at)
    if crisis.closed_at:
        qs = qs.filter(creation_date__lte=crisis.closed_at)
    return qs.exclude(status__in=OPEN_EXCLUDED)


def jobs_from_tickets(network, graph, tickets) -> list[Job]:
    """One job per damaged asset of each ticket, failing what the impact engine fails for it."""
    from incidents.models import DamagedAsset

    jobs = []
    assets = (DamagedAsset.objects.filter(ticket__in=tickets, ticket__network=network)
              .select_related("ticket", "segment", "support", "site", "enclosure__support", "cable"))
    cable_segments: dict[int, tuple] = {}
    for a in assets:
        t = a.ticket
        resolved = t.resolution_date if t.status in ("resolved", "closed") else None
        base = {"network_id": network.pk, "kind": a.referred_type, "code": a.code, "ticket_id": t.pk,
                "created": t.creation_date, "resolved": resolved}
        if a.segment_id and a.segment_id in graph.segment_index:
            jobs.append(Job(asset_class="span", segments=(graph.segment_index[a.segment_id],), **base))
        elif a.support_id and a.support_id in graph.support_index:
            jobs.append(Job(asset_class=SUPPORT_CLASS.get(a.support.support_type, "span"),
                            supports=(graph.support_index[a.support_id],), **base))
        elif a.site_id and a.site_id in graph.site_index:
            jobs.append(Job(asset_class="site", sites=(graph.site_index[a.site_id],), **base))
        elif a.cable_id:
            if a.cable_id not in cable_segments:
                cable_segments[a.cable_id] = tuple(graph.segment_index[s] for s in a.cable.segments.values_list("pk", flat=True)
                                                   if s in graph.segment_index)
            jobs.append(Job(asset_class="cable", segments=cable_segments[a.cable_id], **base))
        elif a.enclosure_id and a.enclosure.support_id in graph.support_index:
            jobs.append(Job(asset_class="enclosure", supports=(graph.support_index[a.enclosure.support_id],), **base))
    return jobs


def jobs_from_exposure(network, graph, crisis, seed: int = EXPECTED_SEED) -> list[Job]:
    """The expected damage of the crisis's alerts on this network: one seeded draw of the failures."""
    from resilience.models import ExposedAsset, ExposureRun, ExposureStatus

    runs = ExposureRun.objects.filter(network=network, alert_id__in=[int(a) for a in crisis.alert_ids or [] if str(a).isdigit()],
                                      status=ExposureStatus.CURRENT)
    best: dict = {}
    rows = ExposedAsset.objects.filter(run__in=runs, kind__in=("segments", "supports", "sites")).values_list(
        "kind", "asset_id", "code", "probability")
    for kind, pk, code, probability in rows.iterator(chunk_size=5000):
        key = (kind, pk)
        best[key] = max(best.get(key, (0.0, code))[0], float(probability)), code
    rng = np.random.default_rng(seed)
    keys = sorted(best)
    draws = rng.random(len(keys))
    failed = [k for k, u in zip(keys, draws) if u < best[k][0]]
    support_types = dict(SupportPoint.objects.filter(pk__in=[pk for kind, pk in failed if kind == "supports"])
                         .values_list("pk", "support_type"))
    jobs = []
    for kind, pk in failed:
        code = best[(kind, pk)][1]
        base = {"network_id": network.pk, "code": code}
        if kind == "segments" and pk in graph.segment_index:
            jobs.append(Job(kind="RouteSegment", asset_class="span", segments=(graph.segment_index[pk],), **base))
        elif kind == "supports" and pk in graph.support_index:
            jobs.append(Job(kind="SupportPoint", asset_class=SUPPORT_CLASS.get(support_types.get(pk), "span"),
                            supports=(graph.support_index[pk],), **base))
        elif kind == "sites" and pk in graph.site_index:
            jobs.append(Job(kind="Site", asset_class="site", sites=(graph.site_index[pk],), **base))
    return jobs


# --- crews and scheduling ---------------------------------------------------------------------

def team_pool(crisis, networks) -> TeamPool:
    """The active crews of the crisis's organisations and of its networks' owners/operators, pooled."""
    from ..models import Crew

    org_ids = set(crisis.organisations.values_list("pk", flat=True))
    for n in networks:
        org_ids.update(o for o in (n.owner_id, n.operator_id) if o)
    crews = list(Crew.objects.filter(organisation__in=org_ids, active=True))
    if not crews:
        from network.models import Premises

        premises = Premises.objects.filter(network__in=networks).count()
        return TeamPool(teams=max(2, math.ceil(premises * DEFAULT_TEAMS_PER_PREMISES)))
    teams = sum(c.teams for c in crews)

    def mean(attr):
        return sum(getattr(c, attr) * c.teams for c in crews) / teams

    return TeamPool(teams=teams, interventions_per_day=mean("interventions_per_day"),
                    working_hours_per_day=mean("working_hours_per_day"), travel_hours=mean("travel_minutes") / 60,
                    hours={k: round(mean(f"hours_{k}"), 2) for k in ("pole", "span", "chamber", "site", "cable", "enclosure")},
                    declared=True)


def _positions(graph, jobs) -> np.ndarray:
    segments, supports, sites = set(), set(), set()
    for j in jobs:
        segments.update(j.segments)
        supports.update(j.supports)
        sites.update(j.sites)
    if not (segments or supports or sites):
        return np.zeros(0, dtype=np.int64)
    edges, vertices, _failed = graph.failures(segments, supports, sites)
    return graph.cut_positions(edges, vertices)


def _commune_counts(graph, positions) -> dict[str, int]:
    if not len(positions):
        return {}
    cidx = graph.premises_commune[positions]
    ncomm = len(graph.commune_insees) + 1
    counts = np.bincount(np.where(cidx >= 0, cidx, ncomm - 1), minlength=ncomm)
    return {(graph.commune_insees[i] if i < ncomm - 1 else ""): int(counts[i]) for i in np.flatnonzero(counts)}


def rank(graphs: dict, jobs: list[Job], pool: TeamPool) -> list[Job]:
    """Each job's own effect (premises and critical sites its damage alone cuts), then the order."""
    for j in jobs:
        graph = graphs[j.network_id]
        positions = _positions(graph, [j])
        j.premises = int(len(positions))
        j.critical = int(graph.premises_is_critical[positions].sum()) if len(positions) else 0
        counts = _commune_counts(graph, positions)
        j.commune = max(counts, key=lambda k: (counts[k], k)) if counts else ""
        j.hours = pool.travel_hours + float(pool.hours.get(j.asset_class, pool.hours["span"]))
    return sorted(jobs, key=lambda j: (-min(j.critical, 1), -j.critical, -j.premises / max(j.hours, 0.1), j.code))


def schedule(jobs: list[Job], pool: TeamPool, start: datetime) -> list[Job]:
    """List scheduling: the next job goes to the first free team, within its day's working hours and
    interventions (a team's day n starts at `start` + n × 24 h; a job begun in the day is finished
    that day, overtime included), never before its damage was reported (`created`)."""
    hours_per_day = pool.working_hours_per_day
    cap = max(1, int(pool.interventions_per_day))
    heap = [(0, 0.0, team, 0) for team in range(max(1, pool.teams))]  # (day, hours worked that day, team, jobs that day)
    heapq.heapify(heap)
    for j in jobs:
        day, within, team, done = heapq.heappop(heap)
        if j.created and j.created > start:  # no repair before the damage is known
            offset = (j.created - start).total_seconds() / 3600
            d, w = int(offset // 24), offset % 24
            if w > hours_per_day:
                d, w = d + 1, 0.0
            if (d, w) > (day, within):
                day, within, done = d, w, (done if d == day else 0)
        if done >= cap or (done > 0 and within + j.hours > hours_per_day):
            day, within, done = day + 1, 0.0, 0
        j.team = team
        j.start = start + timedelta(days=day, hours=within)
        j.end = j.start + timedelta(hours=j.hours)
        heapq.heappush(heap, (day, within + j.hours, team, done + 1))
    return jobs


# --- curves -------------------------------------------------------------------------------------

def _cut_at(graphs, jobs, failing) -> tuple[int, dict]:
    """(premises cut, per commune) when the jobs for which failing(job) holds are still broken."""
    total, communes = 0, {}
    by_network: dict[int, list] = {}
    for j in jobs:
        if failing(j):
            by_network.setdefault(j.network_id, []).append(j)
    for network_id, broken in by_network.items():
        graph = graphs[network_id]
        positions = _positions(graph, broken)
        total += int(len(positions))
        for k, v in _commune_counts(graph, positions).items():
            communes[k] = communes.get(k, 0) + v
    return total, communes


def _checkpoints(times: list, limit: int) -> list:
    times = sorted(set(times))
    if len(times) <= limit:
        return times
    step = (len(times) - 1) / (limit - 1)
    return sorted({times[round(i * step)] for i in range(limit)})


def _eta(graphs, planned: list[Job], at: datetime) -> dict[str, dict]:
    """Per commune: premises cut at `at` and when 50 % / 90 % of them are back in the plan."""
    initial_total, initial = _cut_at(graphs, planned, lambda j: True)
    out = {insee: {"premises_without_service": n, "eta_p50": None, "eta_p90": None} for insee, n in initial.items()}
    pending = dict(initial)
    for t in _checkpoints([j.end for j in planned], MAX_ETA_CHECKPOINTS):
        if not pending:
            break
        _total, now = _cut_at(graphs, planned, lambda j, t=t: j.end > t)
        for insee in list(pending):
            left, n0 = now.get(insee, 0), initial[insee]
            if out[insee]["eta_p50"] is None and left <= 0.5 * n0:
                out[insee]["eta_p50"] = t
            if left <= 0.1 * n0:
                out[insee]["eta_p90"] = t
                out[insee]["eta_p50"] = out[insee]["eta_p50"] or t
                del pending[insee]
    return out


def restoration_outlook(crisis, at: datetime | None = None, *, plan_limit: int = PLAN_LIMIT) -> dict:
    """The restoration outlook of a crisis at `at` (default now): plan, curve, ETA per commune.

    Returns {"crisis", "at", "source" ("tickets" | "expected" | "none"), "teams", "totals",
    "curve": [{"time", "premises_without_service_predicted", "premises_without_service_actual"}],
    "communes": [{"insee", "name", "premises_without_service", "eta_p50", "eta_p90"}],
    "plan": [jobs in repair order], "plan_total"}. Times are aware datetimes (ISO in the API)."""
    at = at or timezone.now()
    networks = list(crisis.networks.all())
    graphs = {n.pk: get_service_graph(n) for n in networks}
    pool = team_pool(crisis, networks)
    tickets = crisis_tickets(crisis).filter(creation_date__lte=at)
    jobs: list[Job] = []
    for n in networks:
        jobs += jobs_from_tickets(n, graphs[n.pk], tickets)
    source = "tickets"
    if not jobs:
        for n in networks:
            jobs += jobs_from_exposure(n, graphs[n.pk], crisis)
        source = "expected" if jobs else "none"
    names = {}
    for g in graphs.values():
        names.update(g.communes)
    empty = {"crisis": crisis.pk, "at": at, "source": source, "teams": pool.as_json(), "curve": [], "communes": [],
             "plan": [], "plan_total": 0, "totals": {"premises_without_service": 0, "damaged_assets": 0}}
    if not jobs:
        return empty
    for j in jobs:  # a resolution after `at` has not happened yet at `at`
        if j.resolved and j.resolved > at:
            j.resolved = None
    start = min(j.created for j in jobs) if source == "tickets" else at
    baseline = schedule(rank(graphs, [Job(**{k: getattr(j, k) for k in j.__dataclass_fields__}) for j in jobs], pool),
                        pool, start)
    still = [j for j in jobs if not j.resolved]
    replan = schedule(rank(graphs, [Job(**{k: getattr(j, k) for k in j.__dataclass_fields__}) for j in still], pool),
                      pool, at) if still else []

    past = [start, at] + [j.end for j in baseline if j.end <= at]
    if source == "tickets":
        past += [j.created for j in jobs] + [j.resolved for j in jobs if j.resolved]
    future = [j.end for j in replan]
    times = _checkpoints([t for t in past if t <= at], MAX_CURVE_POINTS // 2) + _checkpoints(future, MAX_CURVE_POINTS // 2)
    curve = []
    for t in sorted(set(times)):
        if t <= at:
            predicted, _c = _cut_at(graphs, baseline, lambda j, t=t: j.end > t and (source != "tickets" or j.created <= t))
            actual = None
            if source == "tickets":
                actual, _c = _cut_at(graphs, jobs, lambda j, t=t: j.created <= t and not (j.resolved and j.resolved <= t))
        else:
            predicted, _c = _cut_at(graphs, replan, lambda j, t=t: j.end > t)
            actual = None
        curve.append({"time": t, "premises_without_service_predicted": predicted,
                      "premises_without_service_actual": actual})
    etas = _eta(graphs, replan, at) if replan else {}
    _first, initial = _cut_at(graphs, baseline, lambda j: True)
    communes = []
    for insee in sorted(set(initial) | set(etas)):
        row = etas.get(insee, {"premises_without_service": 0, "eta_p50": None, "eta_p90": None})
        communes.append({"insee": insee, "name": names.get(insee, ""), "premises_cut_at_start": initial.get(insee, 0),
                         "premises_without_service": row["premises_without_service"],
                         "eta_p50": row["eta_p50"], "eta_p90": row["eta_p90"],
                         "restored": row["premises_without_service"] == 0})
    now_cut = sum(r["premises_without_service"] for r in communes)
    plan = replan or []
    return {
        "crisis": crisis.pk, "at": at, "source": source, "teams": pool.as_json(),
        "totals": {"damaged_assets": len(jobs), "open_assets": len(still),
                   "premises_cut_at_start": sum(initial.values()), "premises_without_service": now_cut,
                   "eta_p50": max((r["eta_p50"] for r in communes if r["eta_p50"]), default=None),
                   "eta_p90": max((r["eta_p90"] for r in communes if r["eta_p90"]), default=None),
                   "end": max((j.end for j in plan), default=None)},
        "curve": curve, "communes": communes,
        "plan": [j.as_json(i + 1) for i, j in enumerate(plan[:plan_limit])], "plan_total": len(plan),
    }


def open_crises_for(networks):
    """Open crises on any of these networks (newest first)."""
    from incidents.models import Crisis

    return Crisis.objects.filter(Q(networks__in=networks), closed_at__isnull=True).distinct().order_by("-opened_at")


def commune_eta(insee: str, networks) -> dict | None:
    """The ETA of one commune in the newest open crisis of these networks that still cuts it
    ({"crisis", "eta_p50", "eta_p90", "premises_without_service"}), for the commune summary."""
    for crisis in open_crises_for(networks)[:3]:
        outlook = restoration_outlook(crisis, plan_limit=0)
        for row in outlook["communes"]:
            if row["insee"] == insee and row["premises_without_service"] and row["eta_p50"]:
                return {"crisis": crisis.pk, "crisis_name": crisis.name, **row}
    return None
