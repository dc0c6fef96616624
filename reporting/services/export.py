"""The three exports of a situation report, all rendered from its kept figures: JSON (the figures
as they are), CSV (one row per commune served by the crisis's networks) and the one-page A4 PDF in
French (WeasyPrint, with a map of the communes coloured by state)."""
import csv
import io

from django.template.loader import render_to_string
from django.utils import translation

from .figures import COMMUNE_FIELDS

CSV_COLUMNS = ["insee", "name", *COMMUNE_FIELDS, "expected_restoration", "trend_exposed", "trend_without_service"]
PDF_COMMUNE_ROWS = 15  # what fits one A4 page with the map and every optional section; the CSV has them all


def aggregates_only(figures: dict) -> dict:
    """What an elected official may read: the figures without the crisis log (operator detail)."""
    return {k: v for k, v in figures.items() if k != "log"}


def as_json(report, figures=None) -> dict:
    return {"id": report.pk, "crisis": report.crisis_id, "number": report.number, "at": report.at.isoformat(),
            "previous": report.previous_id, "trigger": report.trigger, "created_at": report.created_at.isoformat(),
            **(figures if figures is not None else report.figures)}


def as_csv(report) -> str:
    trends = report.figures.get("trends", {}).get("communes", {})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report.figures.get("communes", []):
        delta = trends.get(row["insee"], {})
        writer.writerow([row.get("insee"), row.get("name"), *[row.get(k, 0) for k in COMMUNE_FIELDS],
                         row.get("expected_restoration") or "", delta.get("exposed", 0), delta.get("without_service", 0)])
    return out.getvalue()


def as_pdf(report, figures=None, base_url="/") -> bytes:
    from weasyprint import HTML

    from .map import communes_svg

    figures = figures if figures is not None else report.figures
    touched = [r for r in figures.get("communes", []) if r.get("touched")]
    states = {r["insee"]: ("cut" if r["without_service"] else "exposed" if r["exposed"] else "restored") for r in touched}
    network_ids = list(report.crisis.networks.values_list("pk", flat=True))
    with translation.override("fr"):
        html = render_to_string("reporting/sitrep_pdf.html", {
            "report": report, "f": figures, "touched": touched[:PDF_COMMUNE_ROWS],
            "more_communes": max(len(touched) - PDF_COMMUNE_ROWS, 0),
            "svg": communes_svg(network_ids, states), "log": (figures.get("log") or [])[-4:],
            "trend": (figures.get("trends") or {}).get("totals") or {},
        })
    return HTML(string=html, base_url=base_url).write_pdf()
