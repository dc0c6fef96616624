"""Network exposure to an alert (*exposition du réseau*): which assets the alert's area covers
and how likely each is to fail, by the vulnerability matrix (hazard × asset class × level).

Set-based PostGIS: one query per asset table, `ST_Intersects` against the alert area (already in
EPSG:2154, sent once as a CTE parameter) on the GiST indexes, restricted in SQL to the laying
modes / support types the hazard threatens. Flood hazards are narrowed to the flood-zone layer
(`FloodZone`) wherever it covers part of the alert area.

Exposed asset ids → impact: `impact_of_exposure(network, exposed)` is THE plug for the impact
engine (what would actually lose service, worst and expected case). See its docstring.
"""
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.gc_pause import no_gc
from network.models import LayingMode, Network
from network.services import asset_communes
from webhooks.services.outbox import emit

from django.db.models import F

from ..models import Alert, AssetClass, ExposedAsset, ExposureRun, ExposureStatus, FloodZone, Lifecycle, VulnerabilityRule
from .damage import rows_for

logger = logging.getLogger(__name__)

SEGMENT_CLASSES = {
    LayingMode.AERIAL_TELECOM: AssetClass.AERIAL_TELECOM, LayingMode.AERIAL_POWER: AssetClass.AERIAL_POWER,
    LayingMode.FACADE: AssetClass.FACADE, LayingMode.DIRECT_BURIAL: AssetClass.DIRECT_BURIAL,
    LayingMode.CONDUIT: AssetClass.UNDERGROUND_CONDUIT, LayingMode.TROUGH: AssetClass.UNDERGROUND_CONDUIT,
    LayingMode.GALLERY: AssetClass.UNDERGROUND_CONDUIT, LayingMode.SEWER: AssetClass.UNDERGROUND_CONDUIT,
}
FLOOD_HAZARDS = {"river_flood": ("river_flood",), "rain_flood": ("river_flood",),
                 "coastal_submersion": ("coastal_submersion",)}

# Shipped defaults of the vulnerability matrix (loaded by migration, editable in the admin):
# hazard -> asset class -> {level: probability}. Absent = not threatened. Rationale in docs/alerts.md.
DEFAULT_MATRIX = {
    "wind": {"aerial_telecom": {2: 0.02, 3: 0.10, 4: 0.30}, "aerial_power": {2: 0.03, 3: 0.15, 4: 0.40},
             "facade": {2: 0.01, 3: 0.05, 4: 0.15}},
    "snow_ice": {"aerial_telecom": {2: 0.02, 3: 0.08, 4: 0.20}, "aerial_power": {2: 0.03, 3: 0.10, 4: 0.25},
                 "facade": {2: 0.01, 3: 0.03, 4: 0.08}},
    "thunderstorm": {"aerial_telecom": {2: 0.01, 3: 0.05, 4: 0.15}, "aerial_power": {2: 0.02, 3: 0.08, 4: 0.20},
                     "facade": {2: 0.01, 3: 0.03, 4: 0.08}, "site": {2: 0.01, 3: 0.03, 4: 0.05}},
    "rain_flood": {"chamber": {2: 0.03, 3: 0.15, 4: 0.40}, "direct_burial": {2: 0.01, 3: 0.03, 4: 0.08},
                   "site": {2: 0.02, 3: 0.10, 4: 0.30}},
    "river_flood": {"chamber": {2: 0.05, 3: 0.20, 4: 0.50}, "direct_burial": {2: 0.01, 3: 0.05, 4: 0.10},
                    "underground_conduit": {3: 0.02, 4: 0.05}, "site": {2: 0.05, 3: 0.20, 4: 0.50}},
    "coastal_submersion": {"chamber": {2: 0.10, 3: 0.30, 4: 0.60}, "site": {2: 0.10, 3: 0.30, 4: 0.60}},
    "heat": {"site": {3: 0.02, 4: 0.05}},
    "cold": {"aerial_telecom": {3: 0.01, 4: 0.03}, "aerial_power": {3: 0.01, 4: 0.03}},
}
# Beyond red (overseas cyclone vigilance, migration 0003 of resilience): violet, the cyclone is on the
# territory: 1.5 × red, at most 0.9; grey, it has passed: the damage expected is that of its passage,
# red's (the exposure of a grey alert is the after-action estimate, docs/alerts.md).
for _classes in DEFAULT_MATRIX.values():
    for _levels in _classes.values():
        if 4 in _levels:
            _levels[5] = round(min(0.9, _levels[4] * 1.5), 3)
            _levels[6] = _levels[4]


@dataclass
class ExposedAssets:
    """Ids and codes of the exposed assets of one network, with their failure probability."""

    segments: dict = field(default_factory=dict)  # id -> (None, probability): codes stay in SQL
    supports: dict = field(default_factory=dict)
    sites: dict = field(default_factory=dict)
    enclosures: dict = field(default_factory=dict)



def matrix_for(hazard: str, level: int) -> dict:
    """asset class -> probability for this hazard and level (from the editable matrix; an empty
    matrix — never loaded, or a flushed test database — falls back to the shipped defaults)."""
    if not VulnerabilityRule.objects.exists():
        return {c: levels[level] for c, levels in DEFAULT_MATRIX.get(hazard, {}).items() if level in levels}
    return dict(VulnerabilityRule.objects.filter(hazard=hazard, level=level).values_list("asset_class", "probability"))


def _sql(query, params):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


AREA_TABLES = ("vf_exposure_area", "vf_exposure_communes", "vf_exposure_border", "vf_inside_communes", "vf_inside_cells")
INSIDE_CELLS = 2_500  # about this many grid cells over the area's box (vf_inside_cells), at least 200 m wide


def cell_size(alert: Alert) -> float:
    """The side (m) of the grid cells of `vf_inside_cells` for this alert's area."""
    xmin, ymin, xmax, ymax = alert.area.extent
    return max(200.0, ((xmax - xmin) * (ymax - ymin) / INSIDE_CELLS) ** 0.5)


def in_inside_cell(alias: str, size: float) -> str:
    """SQL: the asset `alias`.geom's box lies in one grid cell wholly inside the area (a NULL key,
    never found, when its box spans two cells)."""
    g, c = f"{alias}.geom", f"{size!r}::float8"
    return (f"(CASE WHEN floor(ST_XMin({g}) / {c}) = floor(ST_XMax({g}) / {c}) AND floor(ST_YMin({g}) / {c}) = floor(ST_YMax({g}) / {c}) "
            f"THEN floor(ST_XMin({g}) / {c})::bigint * 4294967296 + floor(ST_YMin({g}) / {c})::bigint END) "
            "IN (SELECT k FROM vf_inside_cells)")


def compute(alert: Alert, network: Network, *, defer_assets: bool = False) -> dict:
    """Exposed assets and per-commune figures of `network` under `alert` (no writes but temp tables).

    The alert area and the communes it meets are cut once into small pieces (`ST_Subdivide`) in
    indexed temporary tables: a département-sized polygon tested as one geometry against 250 k
    segments costs far more than many small indexed pieces. They stay in this database session
    past the commit (`selection` in the answer reads them: run_exposure copies the asset list
    after the run is visible) until `forget_area()` or the next compute drops them.
    """
    if alert.area is None:
        return {"exposed": ExposedAssets(), "per_commune": [], "totals": {}, "selection": None, "groups": []}
    # each asset's commune is per network version (normally computed when the graph was stored)
    asset_communes.ensure(network.pk)
    with transaction.atomic():
        with connection.cursor() as cursor:
            _area_tables(cursor, alert)
        return _compute(alert, network, defer_assets=defer_assets)


def _area_tables(cursor, alert: Alert) -> None:
    """This session's settings for the exposure statements and its area tables (transaction-local
    settings: call inside `transaction.atomic()`)."""
    # JIT compiles each of these short-lived plans for ~60 ms apiece and gains nothing back
    cursor.execute("SET LOCAL jit = off")
    # the exposed supports are read twice (their enclosures): kept in memory, not spilled
    cursor.execute("SET LOCAL work_mem = '256MB'")
    # the grouped statement hashes its ~800 000 rows (in work_mem) rather than sorting them
    cursor.execute("SET LOCAL enable_sort = off")
    forget_area(cursor)
    cursor.execute("CREATE TEMP TABLE vf_exposure_area AS "
                   "SELECT ST_Subdivide(ST_SetSRID(%s::geometry, 2154), 128) AS g", [alert.area.ewkb])
    cursor.execute("CREATE TEMP TABLE vf_exposure_communes AS "
                   "SELECT c.insee, ST_Subdivide(c.geom, 128) AS g FROM network_commune c "
                   "WHERE ST_Intersects(c.geom, ST_SetSRID(%s::geometry, 2154))", [alert.area.ewkb])
    # a commune wholly inside the area: its assets (by their commune: network.AssetCommune,
    # asset_communes.py) and premises (commune_id) are in the area without a spatial test;
    # at département scale, nearly all of them. A piece of commune is inside when the
    # area's boundary does not cross it and a point of it is in the area (testing each piece
    # against one piece of the area missed every piece straddling two of them: half the
    # communes of a département-wide alert)
    cursor.execute("CREATE INDEX ON vf_exposure_area USING gist (g); ANALYZE vf_exposure_area")
    cursor.execute("CREATE TEMP TABLE vf_exposure_border AS "
                   "SELECT ST_Subdivide(ST_Boundary(ST_SetSRID(%s::geometry, 2154)), 128) AS g; "
                   "CREATE INDEX ON vf_exposure_border USING gist (g); ANALYZE vf_exposure_border", [alert.area.ewkb])
    cursor.execute("CREATE TEMP TABLE vf_inside_communes AS SELECT c.insee FROM vf_exposure_communes c "
                   "GROUP BY c.insee HAVING bool_and(NOT EXISTS (SELECT 1 FROM vf_exposure_border b WHERE ST_Intersects(b.g, c.g)) "
                   "AND EXISTS (SELECT 1 FROM vf_exposure_area a WHERE ST_Intersects(a.g, ST_PointOnSurface(c.g)))); "
                   "ANALYZE vf_inside_communes")
    # the grid cells wholly inside the area (the boundary does not cross the cell, its centre is in
    # the area): an asset of a border commune whose box lies in one of them is in the area without
    # its own spatial test. A département-wide alert's border communes (the coast, for the 29)
    # hold ~190 000 segments and as many supports, most of them away from the boundary.
    size = cell_size(alert)
    xmin, ymin, xmax, ymax = alert.area.extent
    cursor.execute(
        "CREATE TEMP TABLE vf_inside_cells AS SELECT i::bigint * 4294967296 + j AS k FROM "
        "generate_series(floor(%(x0)s / %(c)s)::int, floor(%(x1)s / %(c)s)::int) i, "
        "generate_series(floor(%(y0)s / %(c)s)::int, floor(%(y1)s / %(c)s)::int) j, "
        "LATERAL (SELECT ST_MakeEnvelope(i * %(c)s, j * %(c)s, (i + 1) * %(c)s, (j + 1) * %(c)s, 2154) AS cell) c "
        "WHERE NOT EXISTS (SELECT 1 FROM vf_exposure_border b WHERE ST_Intersects(b.g, c.cell)) "
        "AND EXISTS (SELECT 1 FROM vf_exposure_area a WHERE ST_Intersects(a.g, ST_Centroid(c.cell))); "
        "ANALYZE vf_inside_cells",
        {"x0": float(xmin), "x1": float(xmax), "y0": float(ymin), "y1": float(ymax), "c": size})


def forget_area(cursor=None) -> None:
    """Drop this session's temporary tables of the last compute (the area, its communes)."""
    statement = "; ".join(f"DROP TABLE IF EXISTS {name}" for name in AREA_TABLES)
    if cursor is not None:
        cursor.execute(statement)
        return
    with connection.cursor() as own:
        own.execute(statement)


def _values(rows, casts) -> tuple[str, list]:
    """`(VALUES (%s::text, %s::float8), ...)` and its flat parameters."""
    one = "(" + ", ".join(f"%s::{c}" for c in casts) + ")"
    return "(VALUES " + ", ".join([one] * len(rows)) + ")", [v for row in rows for v in row]


COMMUNE_TOTALS = ("segments", "segments_length_m", "supports", "sites", "enclosures", "premises", "units",
                  "critical_premises", "expected_failures", "poles_in_area", "expected_damaged_poles")
FLOAT_TOTALS = ("segments_length_m", "expected_failures", "expected_damaged_poles")


@dataclass
class Selection:
    """The exposed assets as SQL over the session's area tables: `ctes` defines `x` (kind, id,
    code, p, len, insee, pole_damage), one row per exposed asset, enclosures with their support."""

    ctes: str
    params: list


def _support_rule_joins(rows) -> tuple[str, list, str, str, str]:
    """The supports' probability rules (support type, owner or None = any, state or None = any,
    probability, pole damage) as SQL joins: the types whose every rule names owner and state
    (the damage model's poles) in a table hashed on the three columns, the others (wildcards: the
    matrix's poles by owner, façade anchors, chambers) in a table hashed on the type with the
    wildcard test after it. One table of all rules hashed on the type alone had each pole tried
    against its 21 rules: 1.5 million rejected pairs, about 2 s of the département-wide
    exposure. A support gets what the rules of its type give it, as before.
    Returns (joins, parameters, probability SQL, damage SQL, matched SQL)."""
    wildcard_types = {r[0] for r in rows if r[1] is None or r[2] is None}
    exact = [r for r in rows if r[0] not in wildcard_types]
    loose = [r for r in rows if r[0] in wildcard_types]
    casts = ("text", "text", "text", "float8", "float8")
    joins, params = [], []
    kind = "JOIN" if not (exact and loose) else "LEFT JOIN"  # both: a support matches in one of the two
    if exact:
        values, vp = _values(exact, casts)
        joins.append(f"{kind} {values} AS me(stype, owner, state, p, damage) ON t.support_type = me.stype "
                     "AND t.owner = me.owner AND t.state = me.state")
        params += vp
    if loose:
        values, vp = _values(loose, casts)
        joins.append(f"{kind} {values} AS ml(stype, owner, state, p, damage) ON t.support_type = ml.stype "
                     "AND (ml.owner IS NULL OR ml.owner = t.owner) AND (ml.state IS NULL OR ml.state = t.state)")
        params += vp
    if exact and loose:
        return (" ".join(joins), params, "coalesce(me.p, ml.p)", "CASE WHEN me.stype IS NOT NULL THEN me.damage ELSE ml.damage END",
                "(me.stype IS NOT NULL OR ml.stype IS NOT NULL)")
    alias = "me" if exact else "ml"
    return " ".join(joins), params, f"{alias}.p", f"{alias}.damage", "true"


PARTS = ("seg", "sup", "site", "enc")  # the selection's parts: segments, supports, sites, enclosures (on supports)


def _selection(alert: Alert, network: Network, damage_rows, parts=PARTS) -> tuple[Selection | None, bool]:
    """The exposed assets' selection (of the `parts` asked, "enc" needing "sup") and whether the
    flood-zone layer narrows it."""
    zones = FLOOD_HAZARDS.get(alert.hazard)
    use_zones = bool(zones) and FloodZone.objects.filter(hazard__in=zones, geom__intersects=alert.area).exists()
    zone_clause = (" AND EXISTS (SELECT 1 FROM resilience_floodzone z WHERE z.hazard = ANY(%s) "
                   "AND ST_Intersects(z.geom, t.geom))") if use_zones else ""
    zone_params = [list(zones or [])] if use_zones else []
    # the area's box first: the GiST index for a commune-sized area, a plain scan for a département
    box = " AND t.geom && ST_MakeEnvelope(%s, %s, %s, %s, 2154)" % tuple(float(v) for v in alert.area.extent)
    # an asset of a commune wholly inside the area is in it without a spatial test (at département
    # scale, nearly every asset); the others are tested against the area's pieces
    in_area_or_inside = box + (" AND (ac.insee IN (SELECT insee FROM vf_inside_communes) OR " + in_inside_cell("t", cell_size(alert))
                               + " OR EXISTS (SELECT 1 FROM vf_exposure_area a WHERE ST_Intersects(t.geom, a.g)))")
    columns = "kind text, id bigint, code text, p float8, len float8, insee text, pole_damage float8"
    empty = "SELECT " + ", ".join(f"NULL::{c.split()[1]}" for c in columns.split(", ")) + " WHERE false"
    segment_modes, support_types, site_rows = damage_rows.segments, damage_rows.supports, damage_rows.sites
    if not (segment_modes or support_types or site_rows):
        return None, use_zones
    ctes, params = {}, {"seg": [], "sup": [], "site": [], "enc": []}
    if segment_modes:
        values, vp = _values(segment_modes, ("text", "float8", "boolean"))
        ctes["seg"] = (
            "SELECT 's'::text AS kind, t.id, t.code::text, CASE WHEN m.per_len THEN 1 - power(1 - m.p, greatest(t.length_m, 0) / 100.0) "
            "ELSE m.p END AS p, t.length_m AS len, nullif(ac.insee, '')::text AS insee, NULL::float8 AS pole_damage "
            f"FROM network_routesegment t JOIN {values} AS m(mode, p, per_len) ON t.laying_mode = m.mode "
            "LEFT JOIN network_assetcommune ac ON ac.kind = 's' AND ac.asset_id = t.id "
            "WHERE t.network_id = %s" + in_area_or_inside + zone_clause)
        params["seg"] = vp + [network.pk] + zone_params
    else:
        ctes["seg"] = empty
    if support_types:
        joins, vp, p_sql, damage_sql, matched = _support_rule_joins(support_types)
        ctes["sup"] = (f"SELECT 'p'::text AS kind, t.id, t.code::text, {p_sql} AS p, 0.0::float8 AS len, "
                       f"nullif(ac.insee, '')::text AS insee, {damage_sql} AS pole_damage "
                       f"FROM network_supportpoint t {joins} "
                       "LEFT JOIN network_assetcommune ac ON ac.kind = 'p' AND ac.asset_id = t.id "
                       f"WHERE t.network_id = %s AND {matched}" + in_area_or_inside + zone_clause)
        params["sup"] = vp + [network.pk] + zone_params
        # enclosures (boîtiers) are exposed with the support they stand on, same commune
        # `+ 0`: the planner underestimates `sup` (its OR of commune and spatial tests) by ~400× and
        # probes the enclosures' index once per exposed support (336 000 probes, 0.65 s at
        # département scale); without a usable index it hashes, ~0.1 s
        ctes["enc"] = ("SELECT 'e'::text AS kind, t.id, t.code::text, s.p, 0.0::float8 AS len, s.insee, NULL::float8 AS pole_damage "
                       "FROM network_enclosure t JOIN sup s ON t.support_id + 0 = s.id WHERE t.network_id = %s")
        params["enc"] = [network.pk]
    else:
        ctes["sup"] = ctes["enc"] = empty
    if site_rows:
        values, vp = _values(site_rows, ("text", "float8"))
        ctes["site"] = ("SELECT 't'::text AS kind, t.id, t.code::text, m.p AS p, 0.0::float8 AS len, nullif(ac.insee, '')::text AS insee, "
                        "NULL::float8 AS pole_damage FROM network_site t "
                        f"JOIN {values} AS m(stype, p) ON (m.stype IS NULL OR m.stype = t.site_type) "
                        "LEFT JOIN network_assetcommune ac ON ac.kind = 't' AND ac.asset_id = t.id WHERE t.network_id = %s"
                        + in_area_or_inside + zone_clause)
        params["site"] = vp + [network.pk] + zone_params
    else:
        ctes["site"] = empty
    # the supports first: `enc` reads them (the CTE is materialised once, in work_mem)
    order = [name for name in PARTS if name in parts]
    body = ", ".join(f"{name} AS ({ctes[name]})" for name in order)
    union = " UNION ALL ".join(f"SELECT * FROM {name}" for name in order)
    return Selection(ctes=f"{body}, x AS ({union})", params=[v for name in order for v in params[name]]), use_zones


def _premises_in_area(cursor, alert: Alert, network: Network, box: str) -> dict:
    """Premises inside the area (people under the alert), per commune: counted, not listed."""
    cursor.execute(
        "SELECT coalesce(t.commune_id, '') AS insee, count(*) AS n, "
        "coalesce(sum(t.housing_units + t.business_units), 0) AS units, "
        "count(*) FILTER (WHERE t.critical_category <> '') AS critical FROM network_premises t "
        "WHERE t.network_id = %s" + box + " AND (t.commune_id IN (SELECT insee FROM vf_inside_communes) OR "
        + in_inside_cell("t", cell_size(alert))
        + " OR EXISTS (SELECT 1 FROM vf_exposure_area a WHERE ST_Intersects(t.geom, a.g))) GROUP BY 1", [network.pk])
    return {insee: (int(n), int(units), int(critical)) for insee, n, units, critical in cursor.fetchall()}


def _grouped(cursor, selection: Selection) -> list[tuple]:
    """The exposed assets of `selection` grouped by kind and commune: count, length, sum of
    probabilities, poles and their expected damage, and the arrays of ids and probabilities."""
    cursor.execute(
        f"WITH {selection.ctes} SELECT kind, coalesce(insee, ''), count(*), coalesce(sum(len), 0), "
        "coalesce(sum(p), 0), count(pole_damage), coalesce(sum(pole_damage), 0), array_agg(id), array_agg(p) "
        "FROM x GROUP BY 1, 2", selection.params)
    return cursor.fetchall()


def _enclosure_groups(cursor, network: Network, groups: list[tuple]) -> list[tuple]:
    """The enclosures (*boîtiers*) standing on the exposed supports of `groups`, grouped as
    `_grouped` does: each with its support's probability and commune. Read here, from the
    supports' ids, rather than joined in SQL to the exposed supports (materialised then sorted
    or probed once per support: 0.3–0.65 s at département scale, ~0.1 s this way); `_store_assets`
    copies the same enclosures with the selection's `enc` part."""
    of_support = {}
    for kind, insee, _n, _length, _expected, _poles, _poles_expected, ids, probabilities in groups:
        if kind == "p":
            of_support.update(zip(ids, zip(repeat(insee), probabilities)))
    if not of_support:
        return []
    cursor.execute("SELECT id, support_id FROM network_enclosure WHERE network_id = %s AND support_id IS NOT NULL",
                   [network.pk])
    found: dict[str, tuple[list, list]] = {}
    for pk, support_id in cursor.fetchall():
        support = of_support.get(support_id)
        if support is not None:
            ids, probabilities = found.setdefault(support[0], ([], []))
            ids.append(pk)
            probabilities.append(support[1])
    return [("e", insee, len(ids), 0.0, sum(probabilities), 0, 0.0, ids, probabilities)
            for insee, (ids, probabilities) in found.items()]


def _split(cursor, network: Network) -> bool:
    """Whether the network is large enough for the two-session split (`EXPOSURE_SPLIT_MIN_SEGMENTS`,
    counted no further than that)."""
    threshold = int(settings.EXPOSURE_SPLIT_MIN_SEGMENTS)
    cursor.execute("SELECT count(*) FROM (SELECT 1 FROM network_routesegment WHERE network_id = %s LIMIT %s) t",
                   [network.pk, threshold])
    return cursor.fetchone()[0] >= threshold


def _grouped_in_own_session(alert: Alert, selection: Selection) -> list[tuple]:
    """`_grouped` in this thread's own database session, over its own area tables (temporary
    tables are per session), then the session closed. Reads committed network data only: the
    caller's session has written nothing it needs."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _area_tables(cursor, alert)
            # the two sessions already take both cores: parallel workers would only contend
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            rows = _grouped(cursor, selection)
            forget_area(cursor)
            return rows
    finally:
        connection.close()


def exposed_from(groups: list[tuple]) -> ExposedAssets:
    """The exposed assets {id: (None, probability)} of `_grouped`'s groups, by kind."""
    exposed = ExposedAssets()
    target = {"s": exposed.segments, "p": exposed.supports, "t": exposed.sites, "e": exposed.enclosures}
    for kind, _insee, _n, _length, _expected, _poles, _poles_expected, ids, probabilities in groups:
        target[kind].update(zip(ids, zip(repeat(None), probabilities)))
    return exposed


def _compute(alert: Alert, network: Network, defer_assets: bool = False) -> dict:
    """Set-based: the exposed assets (`_selection`: kind, id, code, probability, length, commune)
    are read in one statement grouped by kind and commune, each group with its figures and the
    arrays of its ids and probabilities (no per-row transfer, no table written before the run is
    visible); the premises in the area per commune one more: a fixed number of statements
    whatever the alert. Each asset's commune is its `AssetCommune` (per network version)."""
    damage_rows = rows_for(alert, network)
    selection, use_zones = _selection(alert, network, damage_rows)
    box = " AND t.geom && ST_MakeEnvelope(%s, %s, %s, %s, 2154)" % tuple(float(v) for v in alert.area.extent)
    figures: dict[str, dict] = {}
    count_field = {"s": "segments", "p": "supports", "t": "sites", "e": "enclosures"}
    with connection.cursor() as cursor:
        groups, premises = [], None
        if selection is not None and _split(cursor, network):
            # two sessions, two cores: the point assets in a second session (its own area tables)
            # while this one reads the segments and the premises
            points, _zones = _selection(alert, network, damage_rows, parts=("sup", "site"))
            segments, _zones = _selection(alert, network, damage_rows, parts=("seg",))
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="exposure") as pool:
                other = pool.submit(_grouped_in_own_session, alert, points)
                groups = _grouped(cursor, segments)
                premises = _premises_in_area(cursor, alert, network, box)
                groups += other.result()
        elif selection is not None:
            groups = _grouped(cursor, _selection(alert, network, damage_rows, parts=("seg", "sup", "site"))[0])
        if premises is None:
            premises = _premises_in_area(cursor, alert, network, box)
        groups += _enclosure_groups(cursor, network, groups)
        for kind, insee, n, length, expected, poles, poles_expected, _ids, _probabilities in groups:
            row = figures.setdefault(insee, dict.fromkeys(COMMUNE_TOTALS, 0))
            row[count_field[kind]] += n
            if kind == "s":
                row["segments_length_m"] += float(length)
            if kind != "e":  # an enclosure fails with its support: counted once
                row["expected_failures"] += float(expected)
            row["poles_in_area"] += poles
            row["expected_damaged_poles"] += float(poles_expected)
        for insee, (n, units, critical) in premises.items():
            row = figures.setdefault(insee, dict.fromkeys(COMMUNE_TOTALS, 0))
            row["premises"], row["units"], row["critical_premises"] = n, units, critical
        cursor.execute("SELECT insee, name FROM network_commune WHERE insee = ANY(%s)", [list(figures)])
        names = dict(cursor.fetchall())
    communes = []
    for insee in sorted(figures):
        row = {"insee": insee, **figures[insee], "name": names.get(insee, "")}
        row["segments_length_m"] = round(float(row["segments_length_m"]), 1)
        row["expected_failures"] = round(float(row["expected_failures"]), 6)
        row["expected_damaged_poles"] = round(float(row["expected_damaged_poles"]), 6)
        row["premises_in_area"] = row["premises"]
        communes.append(row)
    totals = {k: (round(sum(r[k] for r in communes), 6) if k in FLOAT_TOTALS
                  else sum(r[k] for r in communes)) for k in COMMUNE_TOTALS}
    totals["premises_in_area"] = totals["premises"]
    totals["flood_zones_used"] = use_zones
    totals["damage_model"] = damage_rows.model
    totals["intensity"] = damage_rows.intensity.as_json() if damage_rows.intensity else None
    # `defer_assets`: the caller builds them (`exposed_from(result["groups"])`) once the figures are
    # committed — 780 000 dict entries at département scale, not needed to show the figures
    exposed = None if defer_assets else exposed_from(groups)
    return {"exposed": exposed, "groups": groups, "per_commune": communes, "totals": totals, "selection": selection}


def _by_index(index, assets: dict) -> dict:
    """{graph index: probability} of exposed assets {id: (code, probability)}, looked up in bulk
    (`arrays.lookup`: one numpy call for 400 000 ids, not one search each); ids the graph does not
    know (an asset outside the served part) are left out."""
    from .graph import arrays

    ids = list(assets)
    found_values, found = arrays.lookup(index, ids)
    probabilities = [p for (_c, p), ok in zip(assets.values(), found.tolist()) if ok]
    return dict(zip(found_values.tolist(), probabilities))


def impact_of_exposure(network: Network, exposed: ExposedAssets) -> dict:
    """What the exposed assets would cut, from the impact engine, on the network's service graph:

    - worst case (the top-level figures, `communes`, `criticalSites`): every exposed asset fails;
    - expected case (`expected`): each fails independently with its probability; per premises the
      probability of losing service (1 − Π(1 − p) over the exposed assets on its path to the NRO,
      Monte-Carlo inside rings: services/expected_impact.py), summed per commune, and the critical
      sites at risk with their probability.

    The premises list is not stored (a département-wide alert would list the whole network); the
    API pages through the impact endpoint for it. Enclosures count through their support point
    (they are exposed with it, same probability)."""
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from .expected_impact import DEFAULT_DRAWS, DEFAULT_SEED, expected_figures, premises_cut_probability
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from .graph import get_service_graph
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from .impact import impact_as_json, result_from_positions

    if not (exposed.segments or exposed.supports or exposed.sites):
        return {}
    graph = get_service_graph(network)
    seg_p = _by_index(graph.segment_index, exposed.segments)
    sup_p = _by_index(graph.support_index, exposed.supports)
    site_p = _by_index(graph.site_index, exposed.sites)
    edges, vertices, failed_segments = graph.failures(list(seg_p), list(sup_p), list(site_p))
    result = result_from_positions(graph, graph.cut_positions(edges, vertices), failed_segments, list(sup_p), list(site_p))
    data = impact_as_json(network, result, with_premises=False)
    q = premises_cut_probability(graph, seg_p, sup_p, site_p, exposed_edges=edges)
    data["expected"] = {**expected_figures(graph, q),
                        "method": {"tree": "exact", "rings": "monte-carlo", "draws": DEFAULT_DRAWS, "seed": DEFAULT_SEED}}
    return data


def merge_impact_per_commune(per_commune: list[dict], impact: dict) -> list[dict]:
    """Add to each commune row the premises cut in the worst case (`premises_cut`) and the expected
    premises cut (`premises_cut_expected`); communes cut without being in the area get a row too."""
    rows = {row["insee"]: row for row in per_commune}
    zero = {k: (0.0 if k in FLOAT_TOTALS else 0) for k in COMMUNE_TOTALS}
    zero["premises_in_area"] = 0
    for row in rows.values():
        row["premises_cut"] = 0
        row["premises_cut_expected"] = 0.0
        row["expected_premises_cut"] = 0.0
    for source, key in ((impact.get("communes", []), "premises_cut"),
                        ((impact.get("expected") or {}).get("communes", []), "premises_cut_expected")):
        for c in source:
            row = rows.get(c["insee"])
            if row is None:
                row = rows[c["insee"]] = {"insee": c["insee"], **zero, "name": c.get("name", ""), "premises_cut": 0,
                                          "premises_cut_expected": 0.0, "expected_premises_cut": 0.0}
            row[key] = c["premises"]
            if key == "premises_cut_expected":
                row["expected_premises_cut"] = c["premises"]
    return [rows[k] for k in sorted(rows)]


def networks_exposed_to(alert: Alert):
    """Networks an alert may concern: a manual alert's network, else networks with assets in the area."""
    if alert.area is None:
        return []
    if alert.network_id:
        return [alert.network]
    candidates = Network.objects.all()
    if alert.organisation_id:
        candidates = candidates.filter(owner=alert.organisation_id) | candidates.filter(operator=alert.organisation_id)
    return [network for network in candidates if touches(alert, network)]


def touches(alert: Alert, network: Network) -> bool:
    """Whether any segment, site or premises of the network lies in the alert area (indexed EXISTS)."""
    if alert.area is None:
        return False
    row = _sql(
        "WITH a AS (SELECT ST_SetSRID(%(area)s::geometry, 2154) AS g) SELECT "
        "EXISTS (SELECT 1 FROM network_routesegment t, a WHERE t.network_id = %(net)s AND ST_Intersects(t.geom, a.g)) "
        "OR EXISTS (SELECT 1 FROM network_site t, a WHERE t.network_id = %(net)s AND ST_Intersects(t.geom, a.g)) "
        "OR EXISTS (SELECT 1 FROM network_premises t, a WHERE t.network_id = %(net)s AND ST_Intersects(t.geom, a.g))",
        {"area": alert.area.ewkb, "net": network.pk})
    return bool(row[0][0])


ANALYZE_AFTER = 20_000  # exposed assets beyond which the table's statistics are refreshed at once
KIND_CODES = {"s": "segments", "p": "supports", "t": "sites", "e": "enclosures"}
# impact keys holding one code per failed asset: a run keeps their lengths (`failedCounts`); the
# exposed assets, which all fail in the worst case, are in ExposedAsset
IMPACT_LISTS = ("failedSegments", "failedSupports", "failedSites", "failedCables", "premisesCodes")


def compact_impact(impact: dict) -> dict:
    """The impact without its long lists, their lengths in `failedCounts` (megabytes at
    département scale, for lists nobody reads whole)."""
    impact = impact or {}
    out = {k: v for k, v in impact.items() if k not in IMPACT_LISTS}
    counts = {k: len(impact[k]) for k in IMPACT_LISTS if isinstance(impact.get(k), list)}
    if counts or "failedCounts" not in out:
        out["failedCounts"] = counts
    return out


def _store_assets(run: ExposureRun, selection: Selection | None) -> None:
    """Copy the exposed assets of `selection` (left by `compute` over this session's area tables)
    into `ExposedAsset`, one INSERT … SELECT: no row goes through Python. Without the area tables
    (the session was lost since), nothing: the sweeper recomputes a run left without its list."""
    if selection is None:
        return
    kinds = "CASE kind " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in KIND_CODES.items()) + " END"
    with connection.cursor() as cursor:
        cursor.execute("SELECT bool_and(to_regclass('pg_temp.' || t) IS NOT NULL) FROM unnest(%s::text[]) t",
                       [list(AREA_TABLES)])
        if not cursor.fetchone()[0]:
            return
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"WITH {selection.ctes} INSERT INTO resilience_exposedasset "
                       "(run_id, kind, asset_id, code, probability, commune) "
                       f"SELECT %s, {kinds}, id, code, p, coalesce(insee, '') FROM x", selection.params + [run.pk])


IMPACT_PENDING = {"ready": False}  # a run's impact until the engine has run (run_exposure's second step)


def impact_ready(impact) -> bool:
    """Whether a run's impact is in: false between the run's first commit and its impact's (runs
    stored before the two steps carry no marker: ready)."""
    return (impact or {}).get("ready", True) is not False


def run_exposure(alert: Alert, network: Network) -> ExposureRun:
    """Compute and store the current exposure run of (alert, network); emit exposure.computed.

    Three transactions, so the crisis cell sees each figure as soon as it exists:

    1. the exposure (totals and per-commune rows: assets and premises under the area, expected
       failures, damaged poles) supersedes the previous run and commits, its impact marked
       pending (`impact: {"ready": false}`, no `premises_cut` yet): at département scale this is
       what "visible" means, under 5 s of the alert's POST (benchmarks/README.md, crisis);
    2. the impact engine runs on the exposed asset ids (worst and expected case, a few seconds
       more at that scale), the run gets its `premises_cut` figures and impact, and
       `exposure.computed` is emitted in that transaction, with the complete totals;
    3. the assets are copied to `ExposedAsset` set-based (INSERT … SELECT, the longest step) and
       the superseded run's dropped; until then the exposure answer says `assets.ready: false`.

    A crash after step 1 leaves a current run without its impact or its list: the sweeper
    (exposure_sweep.py) recomputes it, as does the next network version change or alert update."""
    started = time.monotonic()
    network.refresh_from_db(fields=["version"])
    phases = {}
    # no cyclic GC while 780 000 asset entries are made: each full pass rescanned the graphs the
    # worker keeps warm (core/gc_pause.py)
    with no_gc(), transaction.atomic():
        result = compute(alert, network, defer_assets=True)
        phases["compute_s"] = round(time.monotonic() - started, 2)
        old = list(ExposureRun.objects.filter(alert=alert, network=network, status=ExposureStatus.CURRENT)
                   .values_list("pk", flat=True))
        ExposureRun.objects.filter(pk__in=old).update(status=ExposureStatus.SUPERSEDED)
        run = ExposureRun.objects.create(
            alert=alert, network=network, network_version=network.version, totals=result["totals"],
            per_commune=result["per_commune"], impact=dict(IMPACT_PENDING),
            duration_ms=int((time.monotonic() - started) * 1000),
        )
    phases["visible_s"] = round(time.monotonic() - started, 2)
    with no_gc():
        if result["exposed"] is None:
            result["exposed"] = exposed_from(result.pop("groups"))
        impact = impact_of_exposure(network, result["exposed"])
    phases["impact_s"] = round(time.monotonic() - started - phases["visible_s"], 2)
    totals = dict(result["totals"])
    totals["premises_cut"] = impact.get("premises", 0)
    totals["premises_cut_expected"] = (impact.get("expected") or {}).get("premises", 0.0)
    totals["expected_premises_cut"] = totals["premises_cut_expected"]
    run.totals, run.impact = totals, compact_impact(impact)
    run.per_commune = merge_impact_per_commune(result["per_commune"], impact)
    run.duration_ms = int((time.monotonic() - started) * 1000)
    # computed_at moves with the figures: the live map's change stamp (frontend/live.py) and the
    # exposure tiles' cache key read it
    run.computed_at = timezone.now()
    with transaction.atomic():
        ExposureRun.objects.filter(pk=run.pk).update(totals=run.totals, per_commune=run.per_commune, impact=run.impact,
                                                     duration_ms=run.duration_ms, computed_at=run.computed_at)
        emit("exposure.computed", {"exposure": {"id": run.pk, "alert": alert.pk, "network": network.slug,
                                                "network_version": run.network_version, "totals": run.totals}},
             organisations=[network.owner_id, network.operator_id], subject=f"exposure:{alert.pk}:{network.pk}")
    phases["impact_ready_s"] = round(time.monotonic() - started, 2)
    with transaction.atomic():
        if any((result["exposed"].segments, result["exposed"].supports, result["exposed"].sites)):
            _store_assets(run, result["selection"])
        if old:
            ExposedAsset.objects.filter(run_id__in=old).delete()
    with connection.cursor() as cursor:
        forget_area(cursor)
        if len(result["exposed"].segments) + len(result["exposed"].supports) > ANALYZE_AFTER:
            # a département-wide run doubles the table at once: without fresh statistics the
            # tiles' lookup (run, kind, asset_id) is planned as a scan (1.8 s a z14 tile, 20 ms after)
            cursor.execute("ANALYZE resilience_exposedasset")
    phases["assets_ready_s"] = round(time.monotonic() - started, 2)
    # the phases of a département-wide run are what the crisis cell waits for (docs/alerts.md)
    logger.info("exposure run %s of alert %s on %s: %s", run.pk, alert.pk, network.slug, phases)
    return run


EXPOSED_KINDS = ("sites", "segments", "supports", "enclosures")  # the run totals counting ExposedAsset rows


def exposed_count(totals: dict) -> int:
    """How many exposed assets a run's totals announce (its ExposedAsset rows once copied)."""
    totals = totals or {}
    return sum(int(totals.get(k) or 0) for k in EXPOSED_KINDS)


def retire_runs(runs) -> int:
    """Mark runs superseded and drop their exposed assets (an ended alert, a lost network)."""
    ids = list(runs.values_list("pk", flat=True))
    ExposedAsset.objects.filter(run_id__in=ids).delete()
    return ExposureRun.objects.filter(pk__in=ids).update(status=ExposureStatus.SUPERSEDED)


def refresh_alert(alert: Alert) -> list[ExposureRun]:
    """Recompute exposure for an active alert, or retire its runs when it has ended."""
    if alert.lifecycle != Lifecycle.ACTIVE:
        with transaction.atomic():
            retire_runs(ExposureRun.objects.filter(alert=alert, status=ExposureStatus.CURRENT))
        return []
    return [run_exposure(alert, network) for network in networks_exposed_to(alert)]


def stale_runs():
    """Current runs of active alerts computed on an older network version."""
    return (ExposureRun.objects.filter(status=ExposureStatus.CURRENT, alert__lifecycle=Lifecycle.ACTIVE)
            .exclude(network_version=F("network__version")).select_related("alert", "network"))


def compute_on_request(alert: Alert, networks=None) -> list[ExposureRun]:
    """Exposure computed because someone asked (`compute_exposure`, `POST .../exposure/`), whatever
    the alert's lifecycle: the way to the exposure of a historic (ended) alert, which ingestion
    leaves uncomputed. `networks`: those the caller may see (default: every network it touches)."""
    if networks is None:
        networks = networks_exposed_to(alert)
    else:
        networks = [n for n in networks if (alert.network_id in (None, n.pk)) and touches(alert, n)]
    return [run_exposure(alert, network) for network in networks]
