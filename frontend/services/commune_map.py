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
import io
import json

from core import safe_cache as cache
from django.db import connection
from network.models import Network
from resilience.models import Alert, ExposureRun
from resilience.models.exposure import ExposureStatus

ROUTE_COLOURS = {"0": "#d7301f", "1": "#7b3294", "2": "#fd8d3c"}
UNDERGROUND_COLOUR = "#2171b5"
CACHE_SECONDS = 6 * 3600


def _state_key(insee, network_ids, width, max_height) -> tuple[str, list[int]]:
    """Cache key from the networks' versions and the current runs of the active alerts."""
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
        "WITH exposed AS (SELECT DISTINCT e.asset_id AS id FROM resilience_exposedasset e "
        "WHERE e.kind = 'segments' AND e.run_id = ANY(%s)) "
        "SELECT ST_AsSVG(ST_Simplify(ST_LineMerge(ST_Collect(s.geom)), %s, false), 0, 0) FROM network_routesegment s "
        "JOIN network_commune c ON c.insee = %s AND ST_Intersects(s.geom, c.geom) "
        "WHERE s.network_id = ANY(%s) AND s.id IN (SELECT id FROM exposed)",
        [run_ids, tolerance, insee, network_ids])
    exposed = cursor.fetchone()[0]
    return area, exposed


# --- The PDF's map: a PNG drawn with Pillow ---------------------------------------------------------
# WeasyPrint takes 0.7–1.2 s to lay out the ~200 kB SVG of Quimper's 40 000 route segments, against
# a few milliseconds for a PNG; an A4 half-page at 200 dpi shows no more than the raster holds.
PNG_SCALE = 3  # pixels per CSS pixel of the page (≈ 290 dpi at 420 px = 111 mm)


def commune_png(insee: str, network_ids: list[int], width: int = 420, max_height: int | None = None) -> tuple[bytes, int, int]:
    """(PNG bytes, CSS width, CSS height) of the same map, cached like the SVG."""
    network_ids = sorted(network_ids)
    key, run_ids = _state_key(insee, network_ids, width, max_height)
    key = key.replace("commune-svg:", "commune-png:")
    found = cache.get(key)
    if found is None:
        found = _draw_png(insee, network_ids, run_ids, width, max_height)
        cache.set(key, found, CACHE_SECONDS)
    return found


def _geojson_lines(cursor, sql, params) -> list:
    cursor.execute(sql, params)
    out = []
    for (doc,) in cursor.fetchall():
        if not doc:
            continue
        geom = json.loads(doc)
        coords = geom.get("coordinates") or []
        out.extend(coords if geom["type"].startswith("Multi") else [coords])
    return out


def _draw_png(insee, network_ids, run_ids, width, max_height) -> tuple[bytes, int, int]:
    # imported here: Pillow loads only for the PDF map
    from PIL import Image, ImageDraw

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom), "
            "GREATEST(ST_XMax(geom) - ST_XMin(geom), ST_YMax(geom) - ST_YMin(geom)) / %s, "
            "ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, "
            "GREATEST(ST_XMax(geom) - ST_XMin(geom), ST_YMax(geom) - ST_YMin(geom)) / %s), 0) "
            "FROM network_commune WHERE insee = %s",
            [width * PNG_SCALE, width * PNG_SCALE, insee])
        row = cursor.fetchone()
        if row is None:
            return b"", 0, 0
        xmin, ymin, xmax, ymax, tolerance, outline = row
        cursor.execute(
            "SELECT s.laying_mode, ST_AsGeoJSON(ST_Simplify(ST_LineMerge(ST_Collect(s.geom)), %s, false), 0) "
            "FROM network_routesegment s JOIN network_commune c ON c.insee = %s AND ST_Intersects(s.geom, c.geom) "
            "WHERE s.network_id = ANY(%s) GROUP BY s.laying_mode ORDER BY s.laying_mode", [tolerance, insee, network_ids])
        routes = {}
        for mode, doc in cursor.fetchall():
            if doc:
                geom = json.loads(doc)
                coords = geom.get("coordinates") or []
                routes.setdefault(mode, []).extend(coords if geom["type"].startswith("Multi") else [coords])
        cursor.execute("SELECT ST_X(geom), ST_Y(geom) FROM network_premises WHERE commune_id = %s AND network_id = ANY(%s) "
                       "AND critical_category <> ''", [insee, network_ids])
        critical = cursor.fetchall()
        area, exposed = None, []
        if run_ids:
            cursor.execute(
                "SELECT ST_AsGeoJSON(ST_Simplify(ST_Union(ST_ClipByBox2D(a.area, c.geom::box2d)), %s), 0) "
                "FROM resilience_alert a JOIN resilience_exposurerun r ON r.alert_id = a.id AND r.id = ANY(%s) "
                "JOIN network_commune c ON c.insee = %s AND a.area && c.geom AND ST_Intersects(a.area, c.geom)",
                [tolerance, run_ids, insee])
            found = cursor.fetchone()
            area = json.loads(found[0]) if found and found[0] else None
            exposed = _geojson_lines(
                cursor,
                "WITH exposed AS (SELECT DISTINCT e.asset_id AS id FROM resilience_exposedasset e "
                "WHERE e.kind = 'segments' AND e.run_id = ANY(%s)) "
                "SELECT ST_AsGeoJSON(ST_Simplify(ST_LineMerge(ST_Collect(s.geom)), %s, false), 0) FROM network_routesegment s "
                "JOIN network_commune c ON c.insee = %s AND ST_Intersects(s.geom, c.geom) "
                "WHERE s.network_id = ANY(%s) AND s.id IN (SELECT id FROM exposed)",
                [run_ids, tolerance, insee, network_ids])
    w, h = max(xmax - xmin, 1), max(ymax - ymin, 1)
    css_w, css_h = width, int(width * h / w)
    if max_height and css_h > max_height:
        css_w, css_h = int(width * max_height / css_h), max_height
    px_w, px_h = css_w * PNG_SCALE, css_h * PNG_SCALE
    sx, sy = px_w / w, px_h / h

    def pts(ring):
        return [((x - xmin) * sx, (ymax - y) * sy) for x, y, *_ in ring]

    def polygons(geom):
        if not geom:
            return []
        return geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]] if geom["type"] == "Polygon" else []

    outline_geom = json.loads(outline)
    mask = Image.new("L", (px_w, px_h), 0)
    mask_draw = ImageDraw.Draw(mask)
    for poly in polygons(outline_geom):
        mask_draw.polygon(pts(poly[0]), fill=255)
        for hole in poly[1:]:
            mask_draw.polygon(pts(hole), fill=0)
    base = Image.new("RGB", (px_w, px_h), "white")
    base.paste(Image.new("RGB", (px_w, px_h), "#eef1f4"), mask=mask)
    layer = Image.new("RGBA", (px_w, px_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    line = max(1, PNG_SCALE)
    for poly in polygons(area):
        draw.polygon(pts(poly[0]), fill=(240, 138, 36, 46), outline=(240, 138, 36, 255))
    for mode, lines in routes.items():
        colour = ROUTE_COLOURS.get(mode, UNDERGROUND_COLOUR)
        for coords in lines:
            if len(coords) > 1:
                draw.line(pts(coords), fill=colour, width=line)
    for coords in exposed:
        if len(coords) > 1:
            draw.line(pts(coords), fill=(255, 0, 255, 140), width=line * 3)
    clipped = Image.new("RGBA", (px_w, px_h), (0, 0, 0, 0))
    clipped.paste(layer, mask=Image.composite(layer.getchannel("A"), Image.new("L", (px_w, px_h), 0), mask))
    base.paste(clipped, mask=clipped.getchannel("A"))
    top = ImageDraw.Draw(base)
    for poly in polygons(outline_geom):
        top.line(pts(poly[0]) + pts(poly[0])[:1], fill="#667766", width=line)
    r = 4 * PNG_SCALE
    for x, y in critical:
        cx, cy = (x - xmin) * sx, (ymax - y) * sy
        top.ellipse([cx - r, cy - r, cx + r, cy + r], fill="#b3261e", outline="white", width=PNG_SCALE)
    out = io.BytesIO()
    base.save(out, format="PNG", optimize=False, compress_level=1)  # speed over size: 0.03 s instead of 0.2 s
    return out.getvalue(), css_w, css_h
