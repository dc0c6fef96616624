"""The `exposure` vector-tile layer: the exposed segments, supports and sites of one alert's current
exposure run on a network, with their failure probability (MVT, ST_AsMVT in PostGIS).

Same tile grid, box and encoding as the network layers (network/services/tiles.py: EXTENT, BUFFER,
the tile box transformed once to Lambert-93 so `geom && box` hits the GiST index). The exposed ids
and probabilities come from the run's `ExposedAsset` rows (index on run, kind), hash-joined to the
assets found in the box through the network table's GiST index. Three MVT layers in one tile: `exposure_segments`,
`exposure_supports`, `exposure_sites`, each with `code`, `probability` and the asset's type
(laying mode / support type / site type). Supports from z13, like the network layer.
"""
from django.db import connection, transaction

from network.services.geo import tile_bounds_3857, tile_box_to_lambert93
from network.services.tiles import BUFFER, EXTENT, TILEJSON_MAXZOOM

MINZOOM = 8
SUPPORTS_MINZOOM = 13
LAYERS = (
    # (MVT layer, run.assets key, table, type column, min zoom)
    ("exposure_sites", "sites", "network_site", "site_type", MINZOOM),
    ("exposure_segments", "segments", "network_routesegment", "laying_mode", MINZOOM),
    ("exposure_supports", "supports", "network_supportpoint", "support_type", SUPPORTS_MINZOOM),
)
FIELDS = {"code": "String", "probability": "Number", "type": "String"}


def render_exposure_tile(run, z: int, x: int, y: int) -> bytes:
    """MVT bytes of the exposure run's assets in tile z/x/y (b"" when empty)."""
    box = tile_box_to_lambert93(z, x, y, buffer=BUFFER / EXTENT)
    if box is None:
        return b""
    txmin, tymin, txmax, tymax = tile_bounds_3857(z, x, y)
    parts, params = [], []
    totals = run.totals or {}
    present = {kind for kind in ("sites", "segments", "supports") if totals.get(kind)}
    for name, kind, table, type_column, minzoom in LAYERS:
        if z < minzoom or kind not in present:
            continue
        parts.append(
            f"(WITH ex AS (SELECT a.asset_id AS id, a.probability FROM resilience_exposedasset a "
            f"WHERE a.kind = %s AND a.run_id = %s), "
            f"features AS (SELECT ST_AsMVTGeom(ST_Transform(t.geom, 3857), ST_MakeEnvelope(%s, %s, %s, %s, 3857), "
            f"%s, %s, true) AS geom, t.code, ex.probability, t.{type_column} AS type FROM {table} t "
            f"JOIN ex ON ex.id = t.id WHERE t.network_id = %s AND t.geom && ST_MakeEnvelope(%s, %s, %s, %s, 2154)) "
            f"SELECT ST_AsMVT(features.*, %s, %s, 'geom') FROM features)")
        params += [kind, run.pk, txmin, tymin, txmax, tymax, EXTENT, BUFFER, run.network_id, *box, name, EXTENT]
    if not parts:
        return b""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # see network/services/tiles.py
        cursor.execute("SELECT " + " || ".join(f"coalesce({p}, ''::bytea)" for p in parts), params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] else b""


def exposure_tilejson(tiles_url: str, bounds=None) -> dict:
    """TileJSON 3.0.0 of the exposure layer."""
    bounds = list(bounds) if bounds else [-180, -85.0511, 180, 85.0511]
    return {
        "tilejson": "3.0.0", "name": "exposure", "scheme": "xyz", "tiles": [tiles_url],
        "description": "Ouvrages exposés à une alerte (probabilité de défaillance)",
        "minzoom": MINZOOM, "maxzoom": TILEJSON_MAXZOOM, "bounds": bounds,
        "center": [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6), 12],
        "vector_layers": [{"id": name, "minzoom": minzoom, "maxzoom": TILEJSON_MAXZOOM, "fields": FIELDS,
                           "description": f"{kind} exposés"} for name, kind, _t, _c, minzoom in LAYERS],
    }
