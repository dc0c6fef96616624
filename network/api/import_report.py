"""GET /api/v1/imports/<id>/report/: an import's quality report in JSON (paginated), CSV or
GeoJSON (WGS 84), by content negotiation (`Accept`) or `?format=json|csv|geojson`; filters
`severity`, `rule`, `table`."""
import json

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from rest_framework.renderers import BaseRenderer, JSONRenderer

from network.services.gracethd.report_files import COLUMNS


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes | str) else json.dumps(data)


class GeoJSONRenderer(BaseRenderer):
    media_type = "application/geo+json"
    format = "geojson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode()


RENDERERS = [JSONRenderer, CSVRenderer, GeoJSONRenderer]


def faults(run, params):
    qs = run.faults.annotate(geometry=AsGeoJSON(Transform("geom", 4326), precision=7)).order_by("id")
    for name in ("severity", "rule", "table"):
        if params.get(name):
            qs = qs.filter(**{f"{name}__in": params.get(name).split(",")})
    return qs


def record(f) -> dict:
    return {"rule": f.rule, "severity": f.severity, "reference": f.reference, "table": f.table, "row": f.row,
            "code": f.code, "field": f.field, "message": f.message,
            "geometry": json.loads(f.geometry) if f.geometry else None}


def as_csv(qs) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS + ["wkt"])
    for f in qs.iterator(chunk_size=5000):
        writer.writerow([getattr(f, c) for c in COLUMNS] + [f.geom.wkt if f.geom else ""])
    return buf.getvalue()


def as_geojson(qs) -> dict:
    features = []
    for f in qs.iterator(chunk_size=5000):
        r = record(f)
        geometry = r.pop("geometry")
        features.append({"type": "Feature", "properties": r, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}
