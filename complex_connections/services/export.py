"""Totals, CSV export and GeoJSON map layer of complex connection cases (plain querysets in, rows out)."""
import csv
import io
import json

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.db.models import Count, F, Sum

CSV_COLUMNS = [
    "id", "network", "premises", "commune_insee", "commune", "status", "rules", "explanation", "drop_m", "route_m",
    "private_m", "aid_tier", "estimated_cost", "aid", "remaining_charge", "priority_score", "critical_category",
    "assigned_organisation", "detected_at",
]


def totals(queryset, group: str = "network") -> list[dict]:
    """Cases, estimated cost, aid and remaining charge, per commune or per network."""
    if group == "commune":
        keys = {"insee": F("premises__commune_id"), "name": F("premises__commune__name")}
    else:
        keys = {"network_slug": F("network__slug")}
    rows = (
        queryset.order_by().values(**keys)
        .annotate(cases=Count("id"), estimated_cost=Sum("estimated_cost"), aid=Sum("aid"), remaining_charge=Sum("remaining_charge"))
        .order_by(*keys.keys())
    )
    out = []
    for row in rows:
        if "network_slug" in row:
            row["network"] = row.pop("network_slug")
        out.append({**row, **{k: str(row[k] or 0) for k in ("estimated_cost", "aid", "remaining_charge")}})
    return out


def overall(queryset) -> dict:
    """The same sums over the whole queryset."""
    row = queryset.order_by().aggregate(
        cases=Count("id"), estimated_cost=Sum("estimated_cost"), aid=Sum("aid"), remaining_charge=Sum("remaining_charge")
    )
    return {**row, **{k: str(row[k] or 0) for k in ("estimated_cost", "aid", "remaining_charge")}}


def csv_rows(queryset):
    """Yield CSV lines (header first), streaming the queryset."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(CSV_COLUMNS)
    yield flush()
    qs = queryset.select_related("network", "premises", "premises__commune", "assigned_organisation").order_by("-priority_score", "id")
    for case in qs.iterator(chunk_size=2000):
        commune = case.premises.commune
        writer.writerow([
            case.pk, case.network.slug, case.premises.code, commune.insee if commune else "", commune.name if commune else "",
            case.status, "|".join(case.rules), " / ".join(case.explanation.splitlines()), case.inputs.get("drop_m"),
            case.inputs.get("route_m"), case.inputs.get("private_m"), case.inputs.get("aid_tier"), case.estimated_cost,
            case.aid, case.remaining_charge, case.priority_score, case.premises.critical_category,
            case.assigned_organisation.slug if case.assigned_organisation else "", case.detected_at.isoformat(),
        ])
        yield flush()


def geojson(queryset) -> dict:
    """A FeatureCollection of cases at their premises, in EPSG:4326."""
    rows = queryset.annotate(geojson=AsGeoJSON(Transform("premises__geom", 4326), precision=6)).values(
        "id", "geojson", "status", "rules", "estimated_cost", "aid", "remaining_charge", "priority_score",
        "premises__code", "premises__commune_id", "premises__critical_category",
    )
    features = [
        {
            "type": "Feature", "id": row["id"], "geometry": json.loads(row["geojson"]),
            "properties": {
                "id": row["id"], "premises": row["premises__code"], "commune": row["premises__commune_id"],
                "status": row["status"], "rules": row["rules"], "estimated_cost": str(row["estimated_cost"]),
                "aid": str(row["aid"]), "remaining_charge": str(row["remaining_charge"]),
                "priority_score": row["priority_score"], "critical_category": row["premises__critical_category"],
            },
        }
        for row in rows
    ]
    return {"type": "FeatureCollection", "features": features}
