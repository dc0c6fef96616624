"""Mapbox vector tiles of a network's layers, made in PostGIS (ST_AsMVT / ST_AsMVTGeom).

Why in SQL: at département scale a z12 tile holds thousands of route segments; encoding them in
Python would cost more than the query. The tile's frame is computed once in Python
(`geo.tile_frame`, memoised): its box in Lambert-93 (`geom && box` hits the GiST index of the
stored 2154 geometry) and, from z13, an affine map Lambert-93 → Web Mercator fitted over the tile
(off by less than one grid unit), applied with `ST_Affine` instead of a per-row `ST_Transform`.

Measured on 300 k premises (Quimper, 6 000 premises and 1 100 segments in a z14 tile): the
per-row PROJ call, a parallel sequential scan chosen because of ST_AsMVTGeom's cost estimate,
and 10 ms of Python per tile made dense z14 tiles take 110–160 ms; now a few ms.

Zoom rules keep tiles small and the map truthful: poles, chambers and enclosures from z13,
premises below z13 only critical sites; premises at z13–z14 aggregated on a 32×32 grid of the
tile (one feature per cell with count, households, critical; critical sites also one by one);
supports at z13 aggregated per cell and type; below z13 routes and cables filtered by
importance (transport or collect); commune boundaries simplified to the tile's grid.
"""
from dataclasses import dataclass, field

from django.db import connection, transaction

from core import safe_cache

from .geo import boxes_meet, tile_bounds_3857, tile_frame

EXTENT = 4096  # tile grid
BUFFER = 64  # grid units around the tile, so lines and symbols are not cut at tile edges
MAX_ZOOM = 22  # largest z served
TILEJSON_MAXZOOM = 16  # clients overzoom beyond
IMPORTANT_ROLES = ("TR", "TD", "CO")  # transport, transport+distribution, collect
DETAIL_ZOOM = 13  # below it, routes and cables filtered by importance
CELL = 128  # grid units: side of an aggregation cell (16 pixels of a 512-pixel tile), 32×32 cells a tile


@dataclass(frozen=True)
class TileLayer:
    name: str
    table: str
    minzoom: int
    columns: dict  # attribute -> (SQL expression over alias t, TileJSON type)
    joins: str = ""
    filter_below_detail: str = ""  # SQL condition applied below `filter_zoom`
    filter_zoom: int = DETAIL_ZOOM
    simplify: bool = False  # polygons simplified to the tile's grid
    description: str = ""
    # Grid aggregation (zooms `aggregate_zooms`): one feature per CELL×CELL grid cell of the tile
    # carrying `cell_columns` (aggregates over alias t), plus the rows matching `keep_individually`
    # drawn one by one with `columns`.
    aggregate_zooms: tuple = ()
    cell_columns: dict = field(default_factory=dict)
    keep_individually: str = ""
    cell_sources: tuple = ()  # the columns of t that `cell_columns` read
    cell_group: tuple = ()  # columns of t splitting a cell into several features (one per value)

    def tilejson_fields(self) -> dict:
        fields = {name: kind for name, (_, kind) in self.columns.items()}
        fields.update({name: kind for name, (_, kind) in self.cell_columns.items()})
        return fields


# Segments carrying a transport or collect cable. Driven from the cables meeting the tile (few,
# long; a cable without drawing is kept), so the cost follows the tile, not the whole network.
IMPORTANT_SEGMENT = (
    "t.id IN (SELECT cr.segment_id FROM network_cableroute cr JOIN network_cable c ON c.id = cr.cable_id "
    f"WHERE c.network_id = %(network)s AND c.role IN {IMPORTANT_ROLES!r} AND (c.geom IS NULL OR "
    "c.geom && ST_MakeEnvelope(%(bxmin)s, %(bymin)s, %(bxmax)s, %(bymax)s, 2154)))"
)

TILE_LAYERS = {
    layer.name: layer
    for layer in [
        TileLayer("sites", "network_site", 8, {
            "code": ("t.code", "String"), "name": ("t.name", "String"), "site_type": ("t.site_type", "String"),
            "status": ("t.status", "String"),
        }, description="Sites techniques (NRO, PM/SRO)"),
        TileLayer("supports", "network_supportpoint", 13, {
            "kind": ("'support'", "String"),
            "code": ("t.code", "String"), "support_type": ("t.support_type", "String"),
            "owner": ("t.owner", "String"), "state": ("t.state", "String"), "status": ("t.status", "String"),
        }, aggregate_zooms=(13,), cell_sources=("support_type",), cell_group=("support_type",), cell_columns={
            "kind": ("'cell'", "String"), "count": ("count(*)", "Number"), "support_type": ("t.support_type", "String"),
        }, description="Points techniques (appuis, chambres) : z13 agrégés par maille et par type (count), "
                       "dès z14 un par un"),
        TileLayer("routes", "network_routesegment", 8, {
            "code": ("t.code", "String"), "laying_mode": ("t.laying_mode", "String"),
            "status": ("t.status", "String"), "length_m": ("round(t.length_m::numeric, 1)::float8", "Number"),
        }, filter_below_detail=IMPORTANT_SEGMENT,
            description="Cheminements ; sous z13 seulement ceux qui portent du transport ou de la collecte"),
        TileLayer("cables", "network_cable", 8, {
            "code": ("t.code", "String"), "role": ("t.role", "String"), "capacity": ("t.capacity", "Number"),
            "status": ("t.status", "String"),
        }, filter_below_detail=f"t.role IN {IMPORTANT_ROLES!r}",
            description="Câbles ; sous z13 seulement transport et collecte"),
        TileLayer("enclosures", "network_enclosure", 13, {
            "code": ("t.code", "String"), "enclosure_type": ("t.enclosure_type", "String"),
            "status": ("t.status", "String"),
        }, description="Boîtiers (BPE, PBO, PTO), dès z13"),
        TileLayer("premises", "network_premises", 10, {
            "kind": ("'premises'", "String"),
            "code": ("t.code", "String"), "housing_units": ("t.housing_units", "Number"),
            "business_units": ("t.business_units", "Number"), "connection_status": ("t.connection_status", "String"),
            "critical_category": ("t.critical_category", "String"), "commune": ("t.commune_id", "String"),
        }, filter_below_detail="t.critical_category > ''", filter_zoom=13,
            aggregate_zooms=(13, 14), keep_individually="t.critical_category > ''",
            cell_sources=("housing_units", "business_units", "critical_category"), cell_columns={
                "kind": ("'cell'", "String"), "count": ("count(*)", "Number"),
                "households": ("sum(t.housing_units)", "Number"), "business_units": ("sum(t.business_units)", "Number"),
                "critical": ("count(*) FILTER (WHERE t.critical_category > '')", "Number"),
                # "" as on ordinary premises: a style testing `critical_category != ""` does not
                # paint cells as critical sites (those are drawn one by one beside the cells)
                "critical_category": ("''", "String"),
            },
            description="Locaux : z10–z12 sites sensibles seuls ; z13–z14 agrégés par maille (count, households, "
                        "critical) et sites sensibles un par un ; dès z15 un par un"),
        TileLayer("communes", "network_commune", 6, {
            "insee": ("t.insee", "String"), "name": ("t.name", "String"),
        }, simplify=True, description="Communes desservies par le réseau"),
    ]
}


def tile_unit_m(z: int) -> float:
    """Size of one tile grid unit at zoom z, in Web Mercator metres."""
    return 2 * 20037508.342789244 / (1 << z) / EXTENT


SHARED_CACHE_MAX_ZOOM = 12  # tiles up to this zoom are kept in the shared cache (few, and the dearest)
SHARED_CACHE_SECONDS = 6 * 3600
TILE_CACHE_VERSION = 1  # bump when a layer's content changes (fields, filters)


def shared_cache_key(network, layer_name: str, z: int, x: int, y: int) -> str:
    """Per network, its creation (a restored database or a test reusing ids never reads another
    network's tile) and its version (what the tiles' ETag already says: the content of a version
    does not change)."""
    stamp = int(network.created_at.timestamp() * 1_000_000) if network.created_at else 0
    return f"network-tile:{TILE_CACHE_VERSION}:{network.pk}:{stamp}:{network.version}:{layer_name}:{z}:{x}:{y}"


def cached_tile(network, layer_name: str, z: int, x: int, y: int, summary=None) -> bytes:
    """`render_tile`, through the shared cache (Redis, failing open: core/safe_cache.py) up to
    SHARED_CACHE_MAX_ZOOM: below z13 a routes tile of a road-following network draws every
    segment of the transport routes of a département's quarter (0.15–0.4 s at 300 000 premises),
    the same for every screen of the crisis cell. Not the communes layer: it follows the
    boundaries, reloaded without a network version."""
    if z > SHARED_CACHE_MAX_ZOOM or layer_name == "communes":
        return render_tile(network, layer_name, z, x, y, summary=summary)
    key = shared_cache_key(network, layer_name, z, x, y)
    data = safe_cache.get(key)
    if data is None:
        data = render_tile(network, layer_name, z, x, y, summary=summary)
        safe_cache.set(key, data, SHARED_CACHE_SECONDS)
    return data


def render_tile(network, layer_name: str, z: int, x: int, y: int, summary=None) -> bytes:
    """The MVT bytes of one layer of `network` for tile z/x/y; b"" when the tile is empty.

    `summary` (NetworkSummary) lets tiles outside the network's extent be answered without a query.
    """
    layer = TILE_LAYERS[layer_name]
    if z < layer.minzoom:
        return b""
    box, _ = tile_frame(z, x, y, BUFFER / EXTENT)
    if box is None:
        return b""
    if summary is not None and layer_name != "communes" and not boxes_meet(box, summary.extent_2154):
        return b""
    sql, params = tile_sql(layer, network, z, x, y, box, summary)
    if sql is None:
        return b""
    with transaction.atomic(), connection.cursor() as cursor:
        # ST_AsMVTGeom's high cost estimate makes PostgreSQL JIT-compile the query (ten times the
        # query itself) and plan a parallel sequential scan of the whole table instead of the GiST
        # index (measured: 110–140 ms for a dense z14 routes tile, 1 ms of which is the index
        # scan). A tile query is short and selective: no JIT, no parallel workers.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] else b""


def mercator_geom_sql(z: int, x: int, y: int, params: dict, geom: str = "t.geom", tolerance: float = 1.0) -> str:
    """SQL turning a stored Lambert-93 geometry into Web Mercator for this tile.

    From z13 an affine map fitted over the tile (`geo.tile_frame`, off by less
    than `tolerance` grid units) replaces the per-row `ST_Transform`, whose PROJ call was most of a dense
    tile's time; below, or where the fit is refused, `ST_Transform`.
    """
    _, affine = tile_frame(z, x, y, BUFFER / EXTENT, tolerance)
    if affine is None:
        return f"ST_Transform({geom}, 3857)"
    params.update(dict(zip(("aa", "ab", "ad", "ae", "axoff", "ayoff"), affine)))
    return (f"ST_SetSRID(ST_Affine({geom}, %(aa)s, %(ab)s, %(ad)s, %(ae)s, %(axoff)s, %(ayoff)s), 3857)")


def tile_sql(layer: TileLayer, network, z: int, x: int, y: int, box: tuple, summary=None):
    """(SQL, params) selecting one layer's features in the box and encoding them as one MVT layer."""
    xmin, ymin, xmax, ymax = tile_bounds_3857(z, x, y)
    params = {
        "network": network.pk, "name": layer.name, "extent": EXTENT, "buffer": BUFFER,
        "bxmin": box[0], "bymin": box[1], "bxmax": box[2], "bymax": box[3],
        "txmin": xmin, "tymin": ymin, "txmax": xmax, "tymax": ymax,
    }
    geom = "t.geom"
    if layer.simplify:
        # simplify in Lambert-93 to about one grid unit (a Mercator metre is ~0.7 m in Brittany)
        params["tolerance"] = tile_unit_m(z) * 0.7
        geom = "ST_SimplifyPreserveTopology(t.geom, %(tolerance)s)"
    where = ["t.geom && ST_MakeEnvelope(%(bxmin)s, %(bymin)s, %(bxmax)s, %(bymax)s, 2154)"]
    if layer.name == "communes":
        communes = list(summary.commune_ids) if summary is not None else []
        if communes:
            params["communes"] = communes
            where.append("t.insee = ANY(%(communes)s)")
        elif network.departement_id:
            params["departement"] = network.departement_id
            where.append("t.departement_id = %(departement)s")
        else:
            return None, None
    else:
        where.append("t.network_id = %(network)s")
    if layer.filter_below_detail and z < layer.filter_zoom:
        where.append(layer.filter_below_detail)
    mercator = mercator_geom_sql(z, x, y, params, geom)
    envelope = "ST_MakeEnvelope(%(txmin)s, %(tymin)s, %(txmax)s, %(tymax)s, 3857)"
    if z in layer.aggregate_zooms:
        return aggregated_sql(layer, where, mercator, envelope, params), params
    attributes = ", ".join(f"{expr} AS {name}" for name, (expr, _) in layer.columns.items())
    sql = f"""
        WITH features AS (
            SELECT ST_AsMVTGeom({mercator}, {envelope}, %(extent)s, %(buffer)s, true) AS geom,
                   {attributes}
            FROM {layer.table} AS t {layer.joins}
            WHERE {' AND '.join(where)}
        )
        SELECT ST_AsMVT(features.*, %(name)s, %(extent)s, 'geom') FROM features
    """
    return sql, params


def aggregated_sql(layer: TileLayer, where: list, mercator: str, envelope: str, params: dict) -> str:
    """One feature per grid cell of the tile (its rows' mean position, the `cell_columns`
    aggregates), plus the `keep_individually` rows one by one.

    Cells are aligned on the tile's grid (CELL divides EXTENT) and take only the rows whose point
    lies in the tile itself, not its buffer: a row is counted in exactly one cell of one tile, so
    the counts of the cells add up to the rows of the tile.
    """
    params["cell_m"] = (params["txmax"] - params["txmin"]) * CELL / EXTENT
    names = list(dict.fromkeys([*layer.cell_columns, *layer.columns]))
    types = {**{n: k for n, (_, k) in layer.columns.items()}, **{n: k for n, (_, k) in layer.cell_columns.items()}}
    # both branches of the UNION need one type per column; the attributes of the aggregated layers
    # are counts and unit numbers, encoded as integers (as on the layers drawn one by one)
    sql_type = {"String": "text", "Number": "int8"}

    def select(columns: dict) -> str:
        return ", ".join(
            f"({columns[n][0]})::{sql_type[types[n]]} AS {n}" if n in columns else f"NULL::{sql_type[types[n]]} AS {n}"
            for n in names)

    if "aa" in params:  # affine: plain arithmetic on the stored coordinates, no geometry built
        mx = "(%(aa)s * t.lx + %(ab)s * t.ly + %(axoff)s)"
        my = "(%(ad)s * t.lx + %(ae)s * t.ly + %(ayoff)s)"
        coords = "ST_X(t.geom) AS lx, ST_Y(t.geom) AS ly"
    else:
        mx, my = "ST_X(t.g)", "ST_Y(t.g)"
        coords = f"{mercator} AS g"
    table = f"{layer.table} AS t {layer.joins}"
    sources = ", ".join(f"t.{column}" for column in layer.cell_sources)
    group = "".join(f", t.{column}" for column in layer.cell_group)
    individually = ""
    if layer.keep_individually:
        individually = f"""UNION ALL
            SELECT ST_AsMVTGeom({mercator}, {envelope}, %(extent)s, %(buffer)s, true) AS geom, {select(layer.columns)}
            FROM {table} WHERE {' AND '.join(where)} AND {layer.keep_individually}"""
    # OFFSET 0 keeps each subquery from being inlined: coordinates are read once per row.
    return f"""
        WITH features AS (
            SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(avg(t.mx), avg(t.my)), 3857), {envelope},
                                %(extent)s, %(buffer)s, true) AS geom,
                   {select(layer.cell_columns)}
            FROM (SELECT {mx} AS mx, {my} AS my, {sources}
                  FROM (SELECT {coords}, {sources} FROM {table} WHERE {' AND '.join(where)} OFFSET 0) AS t
                  OFFSET 0) AS t
            WHERE t.mx >= %(txmin)s AND t.mx < %(txmax)s AND t.my > %(tymin)s AND t.my <= %(tymax)s
            GROUP BY floor((t.mx - %(txmin)s) / %(cell_m)s), floor((%(tymax)s - t.my) / %(cell_m)s){group}
            {individually}
        )
        SELECT ST_AsMVT(features.*, %(name)s, %(extent)s, 'geom') FROM features
    """


def tilejson(layer_name: str, tiles_url: str, summary) -> dict:
    """TileJSON 3.0.0 for one layer; `tiles_url` is the absolute {z}/{x}/{y} template."""
    layer = TILE_LAYERS[layer_name]
    bounds = list(summary.extent_4326) if summary and summary.extent_4326 else [-180, -85.0511, 180, 85.0511]
    center_zoom = max(layer.minzoom, 12)
    return {
        "tilejson": "3.0.0",
        "name": layer.name,
        "description": layer.description,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": layer.minzoom,
        "maxzoom": TILEJSON_MAXZOOM,
        "bounds": bounds,
        "center": [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6), center_zoom],
        "vector_layers": [{
            "id": layer.name, "description": layer.description, "minzoom": layer.minzoom,
            "maxzoom": TILEJSON_MAXZOOM, "fields": layer.tilejson_fields(),
            # zooms at which features are grid cells (`kind` = "cell", `count`), not objects
            "aggregated_zooms": list(layer.aggregate_zooms),
        }],
    }
