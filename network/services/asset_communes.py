"""The commune of each route segment, technical point and technical site of a network
(`CommuneTagged.commune_insee`), computed once per network version.

Why: the exposure of an alert attributes every exposed asset to a commune (figures per commune,
the restoration plan, the elected officials' summaries). Done at alert time, that is one
point-in-polygon test per asset: about 380 000 of them, 4–5 s, for a red wind over a whole
département at 300 000 premises, most of the time between the alert's POST and its exposure
(issue 18). The commune does not depend on the alert, so it is computed here, set-based, when
the network changes: by the worker that stores the new version's service graph
(resilience/services/graph/store.py `build_and_store`), and by `ensure()` before an exposure if a
version was never tagged (a network imported before this column existed, a new asset saved by
hand).

Rule (the one the exposure used): a segment's point is its midpoint, a point asset its
position; a point on the border of two communes takes the smaller INSEE; a point in no commune
gets '' (so it is not looked up again). The communes are cut into pieces of at most 128 vertices
(`ST_Subdivide`) in a temporary table, and each piece is tested against the assets in its box
through their GiST index: many points per prepared piece, a fixed number of statements per table.

A commune boundary reload (network/services/boundaries.py) clears the tags (`reset()`): the next
`ensure()` recomputes them against the new boundaries.
"""
from __future__ import annotations

import logging
import time

from django.db import connection, transaction

logger = logging.getLogger(__name__)

# (table, SQL of the asset's point over alias t)
TABLES = (
    ("network_routesegment", "ST_LineInterpolatePoint(t.geom, 0.5)"),
    ("network_supportpoint", "t.geom"),
    ("network_site", "t.geom"),
)


def missing(network_id: int) -> bool:
    """Whether an asset of the network has no commune computed yet (partial indexes: instant)."""
    with connection.cursor() as cursor:
        for table, _point in TABLES:
            cursor.execute(f"SELECT 1 FROM {table} WHERE network_id = %s AND commune_insee IS NULL LIMIT 1", [network_id])
            if cursor.fetchone():
                return True
    return False


def assign(network_id: int, only_missing: bool = True) -> dict:
    """Tag the network's assets with their commune, in one transaction (all or nothing).
    `only_missing=False` computes them all again. Returns how many rows of each table were tagged
    and the seconds it took."""
    started = time.monotonic()
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("DROP TABLE IF EXISTS vf_asset_communes")
        # the communes the network's extent meets, in small indexed pieces
        cursor.execute(
            "CREATE TEMP TABLE vf_asset_communes ON COMMIT DROP AS "
            "SELECT c.insee, ST_Subdivide(c.geom, 128) AS g FROM network_commune c "
            "WHERE c.geom && (SELECT ST_Extent(geom) FROM (SELECT geom FROM network_routesegment WHERE network_id = %(n)s "
            "UNION ALL SELECT geom FROM network_supportpoint WHERE network_id = %(n)s "
            "UNION ALL SELECT geom FROM network_site WHERE network_id = %(n)s) a)::geometry",
            {"n": network_id})
        cursor.execute("CREATE INDEX ON vf_asset_communes USING gist (g); ANALYZE vf_asset_communes")
        for table, point in TABLES:
            if not only_missing:
                cursor.execute(f"UPDATE {table} SET commune_insee = NULL WHERE network_id = %s", [network_id])
            # driven from the pieces through the assets' GiST index (`t.geom && piece`: a segment's
            # midpoint lies in its box), many points per prepared piece: ~4x cheaper than one
            # lateral probe per asset (the exposure's measure, docs/alerts.md)
            cursor.execute(
                f"UPDATE {table} u SET commune_insee = f.insee FROM (SELECT t.id, min(c.insee) AS insee "
                f"FROM vf_asset_communes c JOIN {table} t ON t.geom && c.g AND ST_Intersects(c.g, {point}) "
                f"WHERE t.network_id = %s AND t.commune_insee IS NULL GROUP BY t.id) f WHERE u.id = f.id", [network_id])
            tagged = cursor.rowcount
            cursor.execute(f"UPDATE {table} SET commune_insee = '' WHERE network_id = %s AND commune_insee IS NULL",
                           [network_id])
            counts[table.removeprefix("network_")] = tagged + cursor.rowcount
    seconds = round(time.monotonic() - started, 2)
    logger.info("asset communes of network %s: %s in %.2f s", network_id, counts, seconds)
    return {**counts, "seconds": seconds}


def ensure(network_id: int) -> dict | None:
    """Tag what is not tagged yet; None when every asset already has its commune."""
    if not missing(network_id):
        return None
    return assign(network_id, only_missing=True)


def reset() -> None:
    """Forget every tag (the commune boundaries changed): recomputed by the next `ensure()`."""
    with connection.cursor() as cursor:
        for table, _point in TABLES:
            cursor.execute(f"UPDATE {table} SET commune_insee = NULL WHERE commune_insee IS NOT NULL")
