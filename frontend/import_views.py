"""The quality report of a GraceTHD import (*rapport d'anomalies*): faults on a map, filtered by
severity and rule, with the table of faults. Data through /api/v1/imports/<id>/report/."""
from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from network.models import ImportRun, Severity
from network.services.gracethd.quality import RULES

from resilience.services.graph import GraphNotReady, get_request_graph, model_summary

from .services.access import crisis_cell_page

PAGE_ROWS = 500


def service_model(network) -> dict | None:
    """Which service-path model the network's impact graph uses (fibre, mixed, cable-level), the
    premises with an optical route and the routes dropped by reason; None until a worker has built
    the graph (a page never builds it)."""
    if network is None:
        return None
    try:
        summary = model_summary(get_request_graph(network))
    except GraphNotReady:
        return None
    summary["dropped_list"] = sorted((summary.get("dropped_routes") or {}).items())
    return summary


@crisis_cell_page
def import_report(request, pk):
    run = get_object_or_404(ImportRun.objects.restrict(request.vigie).select_related("network"), pk=pk)
    severity, rule = request.GET.get("severity", ""), request.GET.get("rule", "")
    faults = run.faults.all()
    by_severity = dict(faults.values_list("severity").annotate(n=Count("id")))
    by_rule = list(faults.values("rule").annotate(n=Count("id")).order_by("rule"))
    if severity:
        faults = faults.filter(severity=severity)
    if rule:
        faults = faults.filter(rule=rule)
    for r in by_rule:
        r["description"] = RULES[r["rule"]].description if r["rule"] in RULES else ""
    return render(request, "frontend/imports/report.html", {
        "run": run, "faults": faults.order_by("id")[:PAGE_ROWS], "total": faults.count(), "page_rows": PAGE_ROWS,
        "by_severity": by_severity, "by_rule": by_rule, "severity": severity, "rule": rule,
        "severities": Severity.choices, "service_model": service_model(run.network),
    })
