"""The situation report's map: the communes served by the crisis's networks, simplified to what an
A4 half-page shows (a tolerance of about one printed pixel), filled by state: cut (red), exposed
(orange), restored (green), untouched (grey). One query; the outlines come from network_commune."""
from django.db import connection

FILL = {"cut": "#d7301f", "exposed": "#fdae61", "restored": "#66bd63"}


def communes_svg(network_ids: list[int], states: dict[str, str], width: int = 420, max_height: int = 300) -> str:
    if not network_ids:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH served AS (SELECT DISTINCT commune_id FROM network_premises WHERE network_id = ANY(%s) "
            "AND commune_id IS NOT NULL), box AS (SELECT ST_Extent(c.geom) AS b FROM network_commune c "
            "JOIN served s ON s.commune_id = c.insee) "
            "SELECT c.insee, ST_AsSVG(ST_SimplifyPreserveTopology(c.geom, "
            "GREATEST(ST_XMax(box.b) - ST_XMin(box.b), ST_YMax(box.b) - ST_YMin(box.b)) / %s), 0, 0), "
            "ST_XMin(box.b), ST_YMin(box.b), ST_XMax(box.b), ST_YMax(box.b) "
            "FROM network_commune c JOIN served s ON s.commune_id = c.insee, box ORDER BY c.insee",
            [list(network_ids), width])
        rows = cursor.fetchall()
    if not rows:
        return ""
    xmin, ymin, xmax, ymax = rows[0][2:]
    w, h = max(xmax - xmin, 1), max(ymax - ymin, 1)
    height = int(width * h / w)
    if height > max_height:
        width, height = int(width * max_height / height), max_height
    stroke = max(w, h) / 500
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{xmin} {-ymax} {w} {h}" width="{width}" '
             f'height="{height}" role="img" aria-label="carte des communes">']
    for insee, path, *_ in rows:
        fill = FILL.get(states.get(insee), "#eef1f4")
        parts.append(f'<path d="{path}" fill="{fill}" stroke="#667" stroke-width="{stroke}"/>')
    parts.append("</svg>")
    return "".join(parts)
