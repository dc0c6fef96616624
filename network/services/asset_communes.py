"""The commune of each route segment, technical point and technical site of a network
(`network.AssetCommune`, one row an asset), computed once per network version.

Why: the exposure of an alert attributes every exposed asset to a commune (figures per commune,
the restoration plan, the elected officials' summaries). Done at alert time, that is one
point-in-polygon test per asset: about 380 000 of them, 4–5 s, for a red wind over a whole
département at 300 000 premises, most of the time between the alert's POST and its exposure
(issue 18). The commune does not depend on the alert, so it is computed here, set-based, when
the network changes: by the worker that stores the new version's service graph
(resilience/services/graph/store.py `build_and_store`), and by `ensure()` before an exposure if a
version was never tagged (a network imported before this table existed). An asset added without a
new version (saved by hand) has no row: the exposure tests it against the area and counts it in
no commune, it is never missed.

Rule (the one the exposure used): a segment's point is its midpoint, a point asset its
position; a point on the border of two communes takes the smaller INSEE; a point in no commune
gets '' (so it is not looked up again). The communes are cut into pieces of at most 128 vertices
(`ST_Subdivide`) in a temporary table, and each piece is tested against the assets in its box
through their GiST index: many points per prepared piece, a fixed number of statements per table.

A commune boundary reload (network/services/boundaries.py) clears the rows (`reset()`): the next
`ensure()` recomputes them against the new boundaries.
"""
from __future__ import annotations

import logging
import time

from django.db import connection, transaction

logger = logging.getLogger(__name__)

# (AssetKind letter, table, SQL of the asset's point over alias t)
TABLES = (
    ("s", "network_routesegment", "ST_LineInterpolatePoint(t.geom, 0.5)"),
    ("p", "network_supportpoint", "t.geom"),
    ("t", "network_site", "t.geom"),
)


def tagged_version(network_id: int) -> int | None:
    """The network version the rows were computed for (None: none computed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM network_assetcommune WHERE network_id = %s LIMIT 1", [network_id])
        row = cursor.fetchone()
    return row[0] if row else None


def assign(network_id: int) -> dict:
    """Compute the rows of the network's current version, in one transaction (all or nothing:
    the previous version's rows stay until this one commits). Returns how many assets of each
    table were tagged, how many lie in no commune, and the seconds it took."""
    started = time.monotonic()
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SELECT version FROM network_network WHERE id = %s FOR SHARE", [network_id])
        row = cursor.fetchone()
        if row is None:
            return {}
        version = row[0]
        cursor.execute("DELETE FROM network_assetcommune WHERE network_id = %s", [network_id])
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
        for kind, table, point in TABLES:
            # driven from the pieces through the assets' GiST index (`t.geom && piece`: a segment's
            # midpoint lies in its box), many points per prepared piece: ~4x cheaper than one
            # lateral probe per asset (the exposure's measure, docs/alerts.md)
            cursor.execute(
                "INSERT INTO network_assetcommune (network_id, version, kind, asset_id, insee) "
                f"SELECT %(n)s, %(v)s, '{kind}', a.id, coalesce(f.insee, '') FROM {table} a LEFT JOIN ("
                f"SELECT t.id, min(c.insee) AS insee FROM vf_asset_communes c JOIN {table} t "
                f"ON t.geom && c.g AND ST_Intersects(c.g, {point}) WHERE t.network_id = %(n)s GROUP BY t.id) f "
                "ON f.id = a.id WHERE a.network_id = %(n)s", {"n": network_id, "v": version})
            counts[table.removeprefix("network_")] = cursor.rowcount
        cursor.execute("SELECT count(*) FROM network_assetcommune WHERE network_id = %s AND insee = ''", [network_id])
        counts["outside_communes"] = cursor.fetchone()[0]
        cursor.execute("ANALYZE network_assetcommune")
    seconds = round(time.monotonic() - started, 2)
    logger.info("asset communes of network %s v%s: %s in %.2f s", network_id, version, counts, seconds)
    return {**counts, "version": version, "seconds": seconds}


def ensure(network_id: int) -> dict | None:
    """Compute the rows when they are not those of the network's current version; None when they are."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM network_network WHERE id = %s", [network_id])
        row = cursor.fetchone()
    if row is None or tagged_version(network_id) == row[0]:
        return None
    return assign(network_id)


def reset() -> None:
    """Forget every row (the commune boundaries changed): recomputed by the next `ensure()`."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM network_assetcommune")
