"""Server-side SVG map of a commune for the summary page and its PDF: the commune outline, the
routes colour-coded by laying mode and the critical sites, drawn straight from PostGIS (ST_AsSVG)
so that the PDF needs no browser and no tile server. The areas of the active alerts and the
exposed route segments of their current exposure runs are drawn over it.

Drawn for what the page shows (issue 17): geometries are simplified to about one pixel of the
drawing (`ST_Simplify`, tolerance = extent / width), coordinates rounded to the metre, and the
routes and alert areas are clipped by an SVG clip-path on the commune outline rather than
intersected one by one in PostGIS. The exposed segments are picked in SQL from the runs' JSON (no
id list through Python). For Quimper on the 300 000-premises network this took the map from about
1.1 MB of SVG and several seconds (most of the 7 s of the summary) to a few tens of kilobytes; see
benchmarks/README.md (« reports »). The SVG is then cached per commune, size, network versions and
alert state (the current exposure runs of the active alerts), so a refresh redraws nothing.
"""
import hashlib

from django.core.cache import cache
from django.db import connection

ROUTE_COLOURS = {"0": "#d7301f", "1": "#7b3294", "2": "#fd8d3c"}
UNDERGROUND_COLOUR = "#2171b5"
CACHE_SECONDS = 6 * 3600


def _state_key(insee, network_ids, width, max_height) -> tuple[str, list[int]]:
    """Cache key from the networks' versions and the current runs of the active alerts."""
    from network.models import Network
    from resilience.models import Alert, ExposureRun
    from resilience.models.exposure import ExposureStatus

    versions = sorted(Network.objects.filter(pk__in=network_ids).values_list("pk", "created_at", "version"))
    runs = sorted(ExposureRun.objects.filter(network_id__in=network_ids, status=ExposureStatus.CURRENT,
                                             alert__in=Alert.objects.active().values("pk")).values_list("pk", flat=True))
    raw = repr((insee, width, max_height, versions, runs)).encode()
    return f"commune-svg:{insee}:{hashlib.sha256(raw).hexdigest()[:32]}", runs


def commune_svg(insee: str, network_ids: list[int], width: int = 600, max_height: int | None = None) -> str:
    network_ids = sorted(network_ids)
    key, run_ids = _state_key(insee, network_ids, width, max_height)
    svg = cache.get(key)
    if svg is None:
        svg = _draw(insee, network_ids, run_ids, width, max_height)
        cache.set(key, svg, CACHE_SECONDS)
    return svg


def _draw(insee, network_ids, run_ids, width, max_height) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom), "
            "GREATEST(ST_XMax(geom) - ST_XMin(geom), ST_YMax(geom) - ST_YMin(geom)) / %s "
            "FROM network_commune WHERE insee = %s", [width, insee])
        row = cursor.fetchone()
        if row is None:
            return ""
        xmin, ymin, xmax, ymax, tolerance = row
        cursor.execute("SELECT ST_AsSVG(ST_SimplifyPreserveTopology(geom, %s), 0, 0) FROM network_commune WHERE insee = %s",
                       [tolerance, insee])
        outline = cursor.fetchone()[0]
        cursor.execute(
            "SELECT s.laying_mode, ST_AsSVG(ST_Simplify(ST_LineMerge(ST_Collect(s.geom)), %s, false), 0, 0) "
            "FROM network_routesegment s JOIN network_commune c ON c.insee = %s AND ST_Intersects(s.geom, c.geom) "
            "WHERE s.network_id = ANY(%s) GROUP BY s.laying_mode ORDER BY s.laying_mode", [tolerance, insee, network_ids])
        routes = cursor.fetchall()
        cursor.execute(
            "SELECT ST_X(geom), ST_Y(geom) FROM network_premises WHERE commune_id = %s AND network_id = ANY(%s) "
            "AND critical_category <> ''", [insee, network_ids])
        critical = cursor.fetchall()
        alert_area, exposed = _alert_layers(cursor, insee, network_ids, run_ids, tolerance)
    w, h = xmax - xmin, ymax - ymin
    height = int(width * h / w) if w else width
    if max_height and height > max_height:  # a tall commune must still fit the page
        width, height = int(width * max_height / height), max_height
    stroke = max(w, h) / 400
    clip = f"clip-{insee}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{xmin:.0f} {-ymax:.0f} {w:.0f} {h:.0f}" width="{width}" '
        f'height="{height}" role="img" aria-label="carte de la commune">',
        f'<defs><clipPath id="{clip}"><path d="{outline}"/></clipPath></defs>',
        f'<path d="{outline}" fill="#eef1f4" stroke="#667" stroke-width="{stroke * 1.5:.1f}"/>',
        f'<g clip-path="url(#{clip})">',
    ]
    if alert_area:
        parts.append(f'<path d="{alert_area}" fill="#f08a24" fill-opacity="0.18" stroke="#f08a24" '
                     f'stroke-width="{stroke:.1f}" stroke-dasharray="{stroke * 4:.1f}"/>')
    for mode, path in routes:
        if path:
            colour = ROUTE_COLOURS.get(mode, UNDERGROUND_COLOUR)
            parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{stroke:.1f}"/>')
    if exposed:
        parts.append(f'<path d="{exposed}" fill="none" stroke="#ff00ff" stroke-opacity="0.55" stroke-width="{stroke * 3:.1f}"/>')
    parts.append("</g>")
    for x, y in critical:
        parts.append(f'<circle cx="{x:.0f}" cy="{-y:.0f}" r="{stroke * 5:.1f}" fill="#b3261e" stroke="#fff" stroke-width="{stroke:.1f}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _alert_layers(cursor, insee, network_ids, run_ids, tolerance):
    """SVG paths of the active alerts' area over the commune (clipped to its box, then by the SVG
    clip-path) and of the exposed segments there (ids read from the runs' JSON in SQL)."""
    if not run_ids:
        return None, None
    cursor.execute(
        "SELECT ST_AsSVG(ST_Simplify(ST_Union(ST_ClipByBox2D(a.area, c.geom::box2d)), %s), 0, 0) "
        "FROM resilience_alert a JOIN resilience_exposurerun r ON r.alert_id = a.id AND r.id = ANY(%s) "
        "JOIN network_commune c ON c.insee = %s AND a.area && c.geom AND ST_Intersects(a.area, c.geom)",
        [tolerance, run_ids, insee])
    row = cursor.fetchone()
    area = row[0] if row else None
    cursor.execute(
        "WITH exposed AS (SELECT DISTINCT (e->>'id')::bigint AS id FROM resilience_exposurerun r, "
        "jsonb_array_elements(COALESCE(r.assets->'segments', '[]'::jsonb)) e WHERE r.id = ANY(%s)) "
        "SELECT ST_AsSVG(ST_Simplify(ST_LineMerge(ST_Collect(s.geom)), %s, false), 0, 0) FROM network_routesegment s "
        "JOIN network_commune c ON c.insee = %s AND ST_Intersects(s.geom, c.geom) "
        "WHERE s.network_id = ANY(%s) AND s.id IN (SELECT id FROM exposed)",
        [run_ids, tolerance, insee, network_ids])
    exposed = cursor.fetchone()[0]
    return area, exposed
