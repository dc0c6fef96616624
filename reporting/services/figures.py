"""The figures of a situation report (*point de situation*), computed once when the report is made
and kept as a JSON snapshot (`SituationReport.figures`).

Scope: the crisis's networks. The per-commune figures use the same sources as the dashboard
(reporting/services/crisis_figures.py), so that a report made with the dashboard open carries the same
numbers:
- `exposed`: premises exposed to the active alerts (current exposure runs, largest per network and commune);
- `without_service`: premises cut by the open tickets now (the dashboard's « locaux coupés »);
- `cut`: premises cut by the tickets of the crisis, open or not, opened since the crisis began;
- `restored`: premises given back by the tickets resolved since the previous report (since the
  opening for the first one);
plus `premises` served, critical sites (total / exposed / cut), open tickets. Trends are the
differences with the previous report's figures.

A département network (300 000 premises, ~280 communes) takes a few seconds: two group-by queries
on premises, the impact engine on its cached service graph three times; see benchmarks/reports.py.
"""
from collections import Counter

from django.db.models import Count, Q
from django.utils import timezone

COMMUNE_FIELDS = ["premises", "exposed", "cut", "restored", "without_service", "critical", "critical_exposed",
                  "critical_cut", "tickets"]
TOTAL_FIELDS = ["premises", "exposed", "cut", "restored", "without_service", "critical_cut", "tickets_open",
                "sla_breached", "communes_touched"]


def _iso(value):
    return value.isoformat() if value else None


def alerts_in_force(crisis, network_ids, at) -> list[dict]:
    """The active alerts linked to the crisis or exposing one of its networks."""
    from resilience.models import Alert, ExposureRun

    linked = [int(a) for a in crisis.alert_ids or [] if str(a).isdigit()]
    on_networks = ExposureRun.objects.filter(network_id__in=network_ids).values("alert_id")
    alerts = (Alert.objects.active(at).filter(Q(pk__in=linked) | Q(pk__in=on_networks))
              .order_by("-level", "hazard", "pk"))
    return [{"id": a.pk, "hazard": a.hazard, "hazard_label": str(a.get_hazard_display()), "level": a.level,
             "level_label": str(a.get_level_display()), "headline": a.headline, "onset": _iso(a.onset),
             "expires": _iso(a.expires)} for a in alerts[:50]]


def ticket_figures(tickets, at) -> dict:
    """Tickets by status and GTR (SLA) state, as on the dashboard (one query)."""
    from incidents.services.sla import sla_state
    from incidents.models import TicketStatus

    statuses, sla = Counter(), Counter({"breached": 0, "at_risk": 0, "ok": 0})
    for row in tickets.values_list("severity", "status", "creation_date", "acknowledged_at", "resolution_date",
                                   "status_change_date"):
        statuses[row[1]] += 1
        state = sla_state(*row, now=at)
        if state:
            sla[state] += 1
    return {"by_status": [{"status": s, "label": str(label), "n": statuses[s]} for s, label in TicketStatus.choices
                          if statuses[s]],
            "open": sum(sla.values()), "sla": dict(sla)}


def log_since(crisis, since, at) -> list[dict]:
    """The crisis log entries (*main courante*) since the previous report."""
    from incidents.models import CrisisLogEntry

    entries = CrisisLogEntry.objects.filter(crisis=crisis, created_at__lte=at).select_related("organisation")
    if since:
        entries = entries.filter(created_at__gt=since)
    return [{"at": _iso(e.created_at), "kind": e.kind, "kind_label": str(e.get_kind_display()),
             "organisation": e.organisation.name if e.organisation_id else "", "text": e.text}
            for e in entries.order_by("created_at", "pk")[:200]]


def sitrep_figures(crisis, at=None, previous=None) -> dict:
    """Every figure of the report at `at` (default now), with the trends against `previous`."""
    from .crisis_figures import cut_figures, exposure_by_commune
    from incidents.models import TicketStatus, TroubleTicket
    from network.models import Commune, Premises
    from resilience.models import ExposureRun

    from . import providers
    from .cut import premises_cut_by

    at = at or timezone.now()
    networks = list(crisis.networks.order_by("name"))
    network_ids = [n.pk for n in networks]
    since = previous.at if previous else crisis.opened_at

    served = {row["commune_id"]: row for row in (
        Premises.objects.filter(network_id__in=network_ids, commune__isnull=False).values("commune_id")
        .annotate(n=Count("id"), critical=Count("id", filter=~Q(critical_category=""))))}
    names = dict(Commune.objects.filter(insee__in=list(served)).values_list("insee", "name"))
    exposed = exposure_by_commune(ExposureRun.objects.filter(network_id__in=network_ids))
    tickets = TroubleTicket.objects.filter(network_id__in=network_ids)
    now_cut = cut_figures(tickets)
    crisis_tickets = tickets.filter(creation_date__gte=crisis.opened_at, creation_date__lte=at).exclude(
        status__in=[TicketStatus.CANCELLED, TicketStatus.REJECTED])
    cut = premises_cut_by(crisis_tickets.values_list("pk", flat=True))
    restored = premises_cut_by(tickets.filter(resolution_date__gt=since, resolution_date__lte=at)
                               .values_list("pk", flat=True))

    communes = []
    for insee in sorted(set(served) | set(exposed) | set(now_cut.by_commune) | set(cut)):
        row = {
            "insee": insee, "name": names.get(insee) or exposed.get(insee, {}).get("name") or cut.get(insee, {}).get("name", ""),
            "premises": served.get(insee, {}).get("n", 0),
            "exposed": exposed.get(insee, {}).get("premises", 0),
            "cut": max(cut.get(insee, {}).get("premises", 0), now_cut.by_commune.get(insee, {}).get("premises", 0)),
            "restored": restored.get(insee, {}).get("premises", 0),
            "without_service": now_cut.by_commune.get(insee, {}).get("premises", 0),
            "critical": served.get(insee, {}).get("critical", 0),
            "critical_exposed": exposed.get(insee, {}).get("critical", 0),
            "critical_cut": now_cut.by_commune.get(insee, {}).get("critical", 0),
            "tickets": len(now_cut.tickets_by_commune.get(insee, ())),
            "expected_restoration": _iso(now_cut.restoration_by_commune.get(insee)),
        }
        row["touched"] = bool(row["exposed"] or row["cut"] or row["without_service"] or row["restored"])
        communes.append(row)
    communes.sort(key=lambda r: (-r["without_service"], -r["cut"], -r["exposed"], r["name"]))

    ticket_block = ticket_figures(tickets, at)
    totals = {
        "premises": sum(r["premises"] for r in communes),
        "exposed": sum(r["exposed"] for r in communes),
        "cut": sum(r["cut"] for r in communes),
        "restored": sum(r["restored"] for r in communes),
        "without_service": now_cut.premises,
        "critical_cut": sum(r["critical_cut"] for r in communes),
        "tickets_open": ticket_block["open"],
        "sla_breached": ticket_block["sla"].get("breached", 0),
        "communes_touched": sum(1 for r in communes if r["touched"]),
    }
    figures = {
        "crisis": {"id": crisis.pk, "name": crisis.name, "level": crisis.level, "level_label": str(crisis.get_level_display()),
                   "opened_at": _iso(crisis.opened_at), "closed_at": _iso(crisis.closed_at)},
        "at": _iso(at), "since": _iso(since),
        "networks": [{"slug": n.slug, "name": n.name} for n in networks],
        "alerts": alerts_in_force(crisis, network_ids, at),
        "totals": totals,
        "communes": communes,
        "critical_sites": _critical_by_category(now_cut.critical_premises_ids),
        "tickets": ticket_block,
        "log": log_since(crisis, since, at),
        # optional sections (None when the feature is absent: left out of the report)
        "damage_reports": providers.damage_reports(crisis, at),
        "restoration": providers.restoration_outlook(crisis, at),
        "power": providers.power_state(crisis, at),
    }
    figures["trends"] = trends(figures, previous.figures if previous else None)
    return figures


def _critical_by_category(cut_ids) -> list[dict]:
    """Critical sites cut now, counted per category (no addresses: aggregates only)."""
    from network.models import Premises
    from network.models.premises import CriticalCategory

    if not cut_ids:
        return []
    labels = dict(CriticalCategory.choices)
    rows = (Premises.objects.filter(pk__in=list(cut_ids)).values("critical_category").annotate(n=Count("id"))
            .order_by("-n", "critical_category"))
    return [{"category": r["critical_category"], "label": str(labels.get(r["critical_category"], r["critical_category"])),
             "cut": r["n"]} for r in rows]


def trends(figures: dict, previous: dict | None) -> dict:
    """Differences with the previous report: totals and per commune (None for the first report)."""
    if not previous:
        return {"totals": None, "communes": {}}
    before = previous.get("totals", {})
    totals = {k: figures["totals"].get(k, 0) - before.get(k, 0) for k in TOTAL_FIELDS if k in before}
    old = {r["insee"]: r for r in previous.get("communes", [])}
    communes = {}
    for row in figures["communes"]:
        was = old.get(row["insee"])
        if was is None:
            continue
        delta = {k: row[k] - was.get(k, 0) for k in ("exposed", "without_service", "cut")}
        if any(delta.values()):
            communes[row["insee"]] = delta
    return {"totals": totals, "communes": communes}
