"""Server-side SVG map of a commune for the summary page and its PDF: the commune outline, the
routes colour-coded by laying mode and the critical sites, drawn straight from PostGIS (ST_AsSVG)
so that the PDF needs no browser and no tile server. The areas of the active alerts (clipped to
the commune) and the exposed route segments of their current exposure runs are drawn over it."""
from django.db import connection
from resilience.models import Alert, ExposureRun
from resilience.models.exposure import ExposureStatus

ROUTE_COLOURS = {"0": "#d7301f", "1": "#7b3294", "2": "#fd8d3c"}
UNDERGROUND_COLOUR = "#2171b5"


def commune_svg(insee: str, network_ids: list[int], width: int = 600, max_height: int | None = None) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom), ST_AsSVG(geom, 0, 1) "
            "FROM network_commune WHERE insee = %s", [insee])
        row = cursor.fetchone()
        if row is None:
            return ""
        xmin, ymin, xmax, ymax, outline = row
        cursor.execute(
            "SELECT s.laying_mode, ST_AsSVG(ST_CollectionExtract(ST_Collect(ST_Intersection(s.geom, c.geom)), 2), 0, 1) "
            "FROM network_routesegment s JOIN network_commune c ON c.insee = %s AND ST_Intersects(s.geom, c.geom) "
            "WHERE s.network_id = ANY(%s) GROUP BY s.laying_mode", [insee, list(network_ids)])
        routes = cursor.fetchall()
        cursor.execute(
            "SELECT ST_X(geom), ST_Y(geom) FROM network_premises WHERE commune_id = %s AND network_id = ANY(%s) "
            "AND critical_category <> ''", [insee, list(network_ids)])
        critical = cursor.fetchall()
        alert_area, exposed = _alert_layers(cursor, insee, network_ids)
    w, h = xmax - xmin, ymax - ymin
    height = int(width * h / w) if w else width
    if max_height and height > max_height:  # a tall commune must still fit the page
        width, height = int(width * max_height / height), max_height
    stroke = max(w, h) / 400
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{xmin} {-ymax} {w} {h}" width="{width}" height="{height}" '
        f'role="img" aria-label="carte de la commune">',
        f'<path d="{outline}" fill="#eef1f4" stroke="#667" stroke-width="{stroke * 1.5}"/>',
    ]
    if alert_area:
        parts.append(f'<path d="{alert_area}" fill="#f08a24" fill-opacity="0.18" stroke="#f08a24" '
                     f'stroke-width="{stroke}" stroke-dasharray="{stroke * 4}"/>')
    for mode, path in routes:
        if path:
            colour = ROUTE_COLOURS.get(mode, UNDERGROUND_COLOUR)
            parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{stroke}"/>')
    if exposed:
        parts.append(f'<path d="{exposed}" fill="none" stroke="#ff00ff" stroke-opacity="0.55" stroke-width="{stroke * 3}"/>')
    for x, y in critical:
        parts.append(f'<circle cx="{x}" cy="{-y}" r="{stroke * 5}" fill="#b3261e" stroke="#fff" stroke-width="{stroke}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _alert_layers(cursor, insee, network_ids):
    """SVG paths of the active alerts' area inside the commune and of the exposed segments there."""
    runs = ExposureRun.objects.filter(network_id__in=network_ids, status=ExposureStatus.CURRENT,
                                      alert__in=Alert.objects.active().values("pk"))
    alert_ids, segment_ids = set(), set()
    for alert_id, assets in runs.values_list("alert_id", "assets"):
        alert_ids.add(alert_id)
        segment_ids.update(a["id"] for a in (assets or {}).get("segments", []))
    if not alert_ids:
        return None, None
    cursor.execute(
        "SELECT ST_AsSVG(ST_CollectionExtract(ST_Intersection(ST_Union(a.area), c.geom), 3), 0, 1) FROM resilience_alert a "
        "JOIN network_commune c ON c.insee = %s AND ST_Intersects(a.area, c.geom) WHERE a.id = ANY(%s) GROUP BY c.geom",
        [insee, sorted(alert_ids)])
    row = cursor.fetchone()
    area = row[0] if row else None
    exposed = None
    if segment_ids:
        cursor.execute(
            "SELECT ST_AsSVG(ST_CollectionExtract(ST_Collect(ST_Intersection(s.geom, c.geom)), 2), 0, 1) FROM network_routesegment s "
            "JOIN network_commune c ON c.insee = %s AND ST_Intersects(s.geom, c.geom) WHERE s.id = ANY(%s)",
            [insee, sorted(segment_ids)])
        exposed = cursor.fetchone()[0]
    return area, exposed
