"""The crisis-cell dashboard (*tableau de bord*): one query per block at most, all scoped."""
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from incidents.models import Crisis, TicketStatus, TroubleTicket
from incidents.services.sla import sla_state
from resilience.models import Alert, Hazard, Level

from reporting.services.crisis_figures import cut_figures, exposure_by_commune, visible_runs

# A running GTR timer with less than this share of its target left is « at risk ».


@dataclass
class Dashboard:
    alerts: list = field(default_factory=list)  # [{"hazard", "label", "levels": {1..4: n}, "total"}]
    alerts_total: int = 0
    crises: list = field(default_factory=list)
    tickets_by_status: list = field(default_factory=list)  # [(status, label, n)]
    tickets_open: int = 0
    sla: dict = field(default_factory=dict)  # breached / at_risk / ok -> n
    exposed: int = 0
    cut: int = 0
    communes: list = field(default_factory=list)  # [{"insee", "name", "exposed", "cut", "tickets"}]


def build_dashboard(principal, now=None) -> Dashboard:
    now = now or timezone.now()
    board = Dashboard()

    # Block 1: active alerts by hazard and level (one query)
    per_hazard: dict = {}
    for hazard, level, n in (Alert.objects.restrict(principal).active(now).values("hazard", "level")
                             .annotate(n=Count("id")).values_list("hazard", "level", "n")):
        row = per_hazard.setdefault(hazard, {"hazard": hazard, "label": Hazard(hazard).label if hazard in Hazard.values else hazard,
                                             "levels": {lvl: 0 for lvl in Level.values}, "total": 0})
        row["levels"][level] = row["levels"].get(level, 0) + n
        row["total"] += n
        board.alerts_total += n
    board.alerts = sorted(per_hazard.values(), key=lambda r: (-max([lv for lv, n in r["levels"].items() if n] or [0]), r["hazard"]))

    # Block 2: the open crises (one query)
    board.crises = list(Crisis.objects.restrict(principal).filter(closed_at__isnull=True).order_by("-opened_at")[:5])

    # Block 3: tickets by status and GTR state (one query)
    tickets = TroubleTicket.objects.restrict(principal)
    statuses, sla = Counter(), Counter({"breached": 0, "at_risk": 0, "ok": 0})
    for row in tickets.values_list("severity", "status", "creation_date", "acknowledged_at", "resolution_date",
                                   "status_change_date"):
        statuses[row[1]] += 1
        state = sla_state(*row, now=now)
        if state:
            sla[state] += 1
    board.tickets_by_status = [(s, label, statuses[s]) for s, label in TicketStatus.choices if statuses[s]]
    board.tickets_open = sum(sla.values())
    board.sla = dict(sla)

    # Block 4: premises exposed (one query) and cut (two queries + the impact engine), per commune
    exposed = exposure_by_commune(visible_runs(principal))
    cut = cut_figures(tickets)
    board.exposed = sum(r["premises"] for r in exposed.values())
    board.cut = cut.premises
    communes = {}
    for insee, row in exposed.items():
        communes[insee] = {"insee": insee, "name": row["name"], "exposed": row["premises"], "cut": 0, "tickets": 0}
    for insee, row in cut.by_commune.items():
        entry = communes.setdefault(insee, {"insee": insee, "name": row["name"], "exposed": 0, "cut": 0, "tickets": 0})
        entry["cut"] = row["premises"]
        entry["name"] = entry["name"] or row["name"]
    for insee, ids in cut.tickets_by_commune.items():
        if insee in communes:
            communes[insee]["tickets"] = len(ids)
    board.communes = sorted(communes.values(), key=lambda r: (-r["cut"], -r["exposed"], r["name"]))
    return board

