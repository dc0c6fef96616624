"""The `exposure` vector-tile layer: the exposed segments, supports and sites of one alert's current
exposure run on a network, with their failure probability (MVT, ST_AsMVT in PostGIS).

Same tile grid, box and encoding as the network layers (network/services/tiles.py: EXTENT, BUFFER,
`tile_frame`'s Lambert-93 box for `geom && box` on the asset's GiST index and, from z13, its affine
map instead of a per-row `ST_Transform`). The exposed ids and probabilities come from the
`ExposedAsset` table: the assets found in the box are looked up by its (run, kind, asset_id)
index, so a tile reads what it draws and nothing of the rest of a département-wide run (reading
the run's JSON list cost 0.56–0.96 s a tile at 300 000 premises).

From z12: `exposure_segments`, `exposure_sites` and, from z14, `exposure_supports`, one feature an
asset with `code`, `probability` and its type (laying mode / support type / site type). Below z12,
aggregated: `exposure_communes`, one point per commune of the run (a point on its surface) with
the run's per-commune figures (exposed segments, supports, sites, expected failures, premises cut
worst and expected case): a z10 tile of a département-wide run holds 40 000 exposed assets.

A run's tiles never change once its asset list is copied: `exposure_tile` keeps them in the
shared cache (Redis) per run, so the crisis cell's screens, all on the same storm, render each tile
once (`TILE_CACHE_SECONDS`); before the copy, or with Redis down, tiles are rendered each time.
"""
import logging

from django.core.cache import cache
from django.db import connection, transaction
from redis.exceptions import RedisError

from network.services.geo import tile_bounds_3857, tile_frame
from network.services.tiles import BUFFER, EXTENT, TILEJSON_MAXZOOM, mercator_geom_sql

MINZOOM = 8
DETAIL_MINZOOM = 12  # below: one point per commune
AFFINE_TOLERANCE = 2.0  # grid units (1/8 pixel each) the affine map may be off by, from z12
SUPPORTS_MINZOOM = 14  # a z13 tile of a dense commune holds thousands of exposed poles
LAYERS = (
    # (MVT layer, ExposedAsset.kind, table, type column, min zoom)
    ("exposure_sites", "sites", "network_site", "site_type", DETAIL_MINZOOM),
    ("exposure_segments", "segments", "network_routesegment", "laying_mode", DETAIL_MINZOOM),
    ("exposure_supports", "supports", "network_supportpoint", "support_type", SUPPORTS_MINZOOM),
)
FIELDS = {"code": "String", "probability": "Number", "type": "String"}
TILE_CACHE_SECONDS = 6 * 3600  # a storm's crisis cell watches the same run for hours; a new run, new keys
TILE_CACHE_VERSION = 1  # bump when the tile's content changes (layers, fields)
COMMUNE_LAYER = "exposure_communes"
COMMUNE_FIELDS = {"insee": "String", "name": "String", "segments": "Number", "supports": "Number", "sites": "Number",
                  "expected_failures": "Number", "premises_cut": "Number", "premises_cut_expected": "Number"}


logger = logging.getLogger(__name__)


def tile_cache_key(run, z: int, x: int, y: int) -> str:
    """Per run and its computation time: a restored database or a test session reusing run ids
    never reads another run's tile."""
    stamp = int(run.computed_at.timestamp() * 1_000_000) if run.computed_at else 0
    return f"exposure-tile:{TILE_CACHE_VERSION}:{run.pk}:{stamp}:{z}:{x}:{y}"


def exposure_tile(run, z: int, x: int, y: int, *, complete: bool) -> bytes:
    """The tile of `run`, from the shared cache when its asset list is `complete` (else rendered:
    a tile drawn before the copy would stay empty in the cache)."""
    if not complete:
        return render_exposure_tile(run, z, x, y)
    key = tile_cache_key(run, z, x, y)
    try:
        data = cache.get(key)
    except (RedisError, OSError) as exc:  # the cache is an accelerator: Redis down, tiles still answer
        logger.warning("exposure tile cache unavailable: %s", exc)
        return render_exposure_tile(run, z, x, y)
    if data is not None:
        return data
    data = render_exposure_tile(run, z, x, y)
    try:
        cache.set(key, data, TILE_CACHE_SECONDS)
    except (RedisError, OSError) as exc:
        logger.warning("exposure tile cache unavailable: %s", exc)
    return data


def render_exposure_tile(run, z: int, x: int, y: int) -> bytes:
    """MVT bytes of the exposure run's assets in tile z/x/y (b"" when empty)."""
    if z < MINZOOM:
        return b""
    box, _affine = tile_frame(z, x, y, BUFFER / EXTENT)
    if box is None:
        return b""
    txmin, tymin, txmax, tymax = tile_bounds_3857(z, x, y)
    params = {"run": run.pk, "network": run.network_id, "extent": EXTENT, "buffer": BUFFER,
              "bxmin": box[0], "bymin": box[1], "bxmax": box[2], "bymax": box[3],
              "txmin": txmin, "tymin": tymin, "txmax": txmax, "tymax": tymax}
    envelope = "ST_MakeEnvelope(%(txmin)s, %(tymin)s, %(txmax)s, %(tymax)s, 3857)"
    in_box = "t.geom && ST_MakeEnvelope(%(bxmin)s, %(bymin)s, %(bxmax)s, %(bymax)s, 2154)"
    parts = []
    if z < DETAIL_MINZOOM:
        parts.append(
            "(WITH features AS (SELECT ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(t.geom), 3857), " + envelope + ", "
            "%(extent)s, %(buffer)s, true) AS geom, t.insee, t.name, pc.segments, pc.supports, pc.sites, "
            "pc.expected_failures, pc.premises_cut, pc.premises_cut_expected FROM resilience_exposurerun r, "
            "jsonb_to_recordset(r.per_commune) AS pc(insee text, segments int, supports int, sites int, "
            "expected_failures float8, premises_cut int, premises_cut_expected float8) "
            "JOIN network_commune t ON t.insee = pc.insee WHERE r.id = %(run)s AND " + in_box + ") "
            f"SELECT ST_AsMVT(features.*, '{COMMUNE_LAYER}', %(extent)s, 'geom') FROM features)")
    else:
        # an exposure layer highlights assets drawn by the network layers: at z12 the affine map
        # (off by 1.2 grid units in Brittany, 0.15 pixel) is accepted instead of one PROJ call per
        # row, which made a dense z12 tile take 170–320 ms
        mercator = mercator_geom_sql(z, x, y, params, tolerance=AFFINE_TOLERANCE)
        for name, kind, table, type_column, minzoom in LAYERS:
            if z < minzoom:
                continue
            parts.append(
                f"(WITH features AS (SELECT ST_AsMVTGeom({mercator}, {envelope}, %(extent)s, %(buffer)s, true) AS geom, "
                f"e.code, e.probability, t.{type_column} AS type FROM {table} t "
                # LATERAL … LIMIT 1 (not flattened): one index probe (run, kind, asset_id) per asset of the box; a plain join
                # was planned as a hash join over the run's 184 000 segments (a 190 ms z12 tile)
                f"JOIN LATERAL (SELECT e.code, e.probability FROM resilience_exposedasset e WHERE e.run_id = %(run)s "
                f"AND e.kind = '{kind}' AND e.asset_id = t.id LIMIT 1) e ON true "
                f"WHERE t.network_id = %(network)s AND {in_box}) "
                f"SELECT ST_AsMVT(features.*, '{name}', %(extent)s, 'geom') FROM features)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # see network/services/tiles.py
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
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
        "vector_layers": [{"id": COMMUNE_LAYER, "minzoom": MINZOOM, "maxzoom": DETAIL_MINZOOM - 1, "fields": COMMUNE_FIELDS,
                           "description": "exposition par commune"}]
        + [{"id": name, "minzoom": minzoom, "maxzoom": TILEJSON_MAXZOOM, "fields": FIELDS,
            "description": f"{kind} exposés"} for name, kind, _t, _c, minzoom in LAYERS],
    }
