"""True metres for geometries stored in Lambert-93 (EPSG:2154) everywhere in France.

Mainland networks are measured in Lambert-93 itself (scale factor within 1 ± 0.001 of the truth).
Overseas networks are stored in Lambert-93 coordinates too (docs/architecture.md, "Overseas
territories"), where the projection is still conformal (angles and shapes kept, so intersections,
coverage and tiles are right) but enlarges distances: ×1.9 in La Réunion, ×1.5 in Mayotte, ×1.1
in Guyane and the Antilles. Lengths stored with the objects (`length_m`) are measured in the
territory's legal projection at import or generation; the few SQL distance tests and lengths
computed on the fly use this scale factor, constant over a département to within 1 % (5 % across
the whole of Guyane).
"""
from functools import lru_cache

from django.db import connection


@lru_cache(maxsize=32)
def _scale_at(departement: str, srid: int) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH c AS (SELECT ST_PointOnSurface(geom) AS p FROM network_departement WHERE code = %s),
                    l AS (SELECT ST_MakeLine(ST_Translate(p, -500, 0), ST_Translate(p, 500, 0)) AS g FROM c)
               SELECT ST_Length(g) / NULLIF(ST_Length(ST_Transform(g, %s)), 0) FROM l""",
            [departement, srid],
        )
        row = cursor.fetchone()
    return float(row[0]) if row and row[0] else 1.0


def storage_scale(network) -> float:
    """Stored (Lambert-93) units per true metre at the network: 1.0 in mainland France."""
    srid = network.local_srid
    if srid == 2154 or not network.departement_id:
        return 1.0
    return _scale_at(network.departement_id, srid)
