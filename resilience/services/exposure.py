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
from dataclasses import dataclass, field

from django.db import connection, transaction

from network.models import Enclosure, LayingMode, Network, SupportOwner, SupportType
from webhooks.services.outbox import emit

from ..models import Alert, AssetClass, ExposureRun, ExposureStatus, FloodZone, Lifecycle, VulnerabilityRule

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


@dataclass
class ExposedAssets:
    """Ids and codes of the exposed assets of one network, with their failure probability."""

    segments: dict = field(default_factory=dict)  # id -> (code, probability)
    supports: dict = field(default_factory=dict)
    sites: dict = field(default_factory=dict)
    enclosures: dict = field(default_factory=dict)

    def codes(self, kind) -> list[str]:
        return sorted(code for code, _p in getattr(self, kind).values())


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


def compute(alert: Alert, network: Network) -> dict:
    """Exposed assets and per-commune figures of `network` under `alert` (no writes but temp tables).

    The alert area and the communes it meets are cut once into small pieces (`ST_Subdivide`) in
    indexed temporary tables: a département-sized polygon tested as one geometry against 250 k
    segments costs far more than many small indexed pieces.
    """
    if alert.area is None:
        return {"exposed": ExposedAssets(), "per_commune": [], "totals": {}}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS vf_exposure_area; DROP TABLE IF EXISTS vf_exposure_communes")
            cursor.execute("CREATE TEMP TABLE vf_exposure_area ON COMMIT DROP AS "
                           "SELECT ST_Subdivide(ST_SetSRID(%s::geometry, 2154), 128) AS g", [alert.area.ewkb])
            cursor.execute("CREATE TEMP TABLE vf_exposure_communes ON COMMIT DROP AS "
                           "SELECT c.insee, ST_Subdivide(c.geom, 128) AS g FROM network_commune c "
                           "WHERE ST_Intersects(c.geom, ST_SetSRID(%s::geometry, 2154))", [alert.area.ewkb])
            cursor.execute("CREATE INDEX ON vf_exposure_area USING gist (g); CREATE INDEX ON vf_exposure_communes USING gist (g); "
                           "ANALYZE vf_exposure_area; ANALYZE vf_exposure_communes")
        return _compute(alert, network)


def _compute(alert: Alert, network: Network) -> dict:
    probabilities = matrix_for(alert.hazard, alert.level)
    zones = FLOOD_HAZARDS.get(alert.hazard)
    use_zones = bool(zones) and FloodZone.objects.filter(hazard__in=zones, geom__intersects=alert.area).exists()
    zone_clause = (" AND EXISTS (SELECT 1 FROM resilience_floodzone z WHERE z.hazard = ANY(%(zones)s) "
                   "AND ST_Intersects(z.geom, t.geom))") if use_zones else ""
    params = {"area": alert.area.ewkb, "net": network.pk, "zones": list(zones or [])}
    exposed = ExposedAssets()
    per_commune: dict = {}

    def bump(insee, key, value=1):
        row = per_commune.setdefault(insee or "", {"insee": insee or "", "segments": 0, "segments_length_m": 0.0,
                                                   "supports": 0, "sites": 0, "enclosures": 0, "premises": 0,
                                                   "units": 0, "critical_premises": 0, "expected_failures": 0.0})
        row[key] += value

    modes = [m for m, c in SEGMENT_CLASSES.items() if c in probabilities]
    if modes:
        params["modes"] = [str(m) for m in modes]
        for pk, code, mode, length, insee in _sql(
            "SELECT t.id, t.code, t.laying_mode, t.length_m, (SELECT c.insee FROM vf_exposure_communes c "
            "WHERE ST_Intersects(c.g, ST_LineInterpolatePoint(t.geom, 0.5)) LIMIT 1) FROM network_routesegment t "
            "WHERE t.network_id = %(net)s AND t.laying_mode = ANY(%(modes)s) AND t.id IN (SELECT t.id "
            "FROM network_routesegment t JOIN vf_exposure_area a ON ST_Intersects(t.geom, a.g) WHERE t.network_id = %(net)s)"
            + zone_clause, params):
            p = probabilities[SEGMENT_CLASSES[mode]]
            exposed.segments[pk] = (code, p)
            bump(insee, "segments")
            bump(insee, "segments_length_m", length or 0.0)
            bump(insee, "expected_failures", p)
    support_classes = {}
    for stype, owner_power, cls in ((SupportType.POLE, False, AssetClass.AERIAL_TELECOM),
                                    (SupportType.POLE, True, AssetClass.AERIAL_POWER),
                                    (SupportType.FACADE_ANCHOR, None, AssetClass.FACADE),
                                    (SupportType.CHAMBER, None, AssetClass.CHAMBER)):
        if cls in probabilities:
            support_classes[(str(stype), owner_power)] = probabilities[cls]
    if support_classes:
        params["stypes"] = sorted({k[0] for k in support_classes})
        rows = _sql(
            "SELECT t.id, t.code, t.support_type, t.owner, (SELECT c.insee FROM vf_exposure_communes c "
            "WHERE ST_Intersects(c.g, t.geom) LIMIT 1) FROM network_supportpoint t "
            "WHERE t.network_id = %(net)s AND t.support_type = ANY(%(stypes)s) AND t.id IN (SELECT t.id "
            "FROM network_supportpoint t JOIN vf_exposure_area a ON ST_Intersects(t.geom, a.g) WHERE t.network_id = %(net)s)"
            + zone_clause, params)
        for pk, code, stype, owner, insee in rows:
            key = (stype, owner == SupportOwner.ENEDIS) if stype == SupportType.POLE else (stype, None)
            p = support_classes.get(key)
            if p is None:
                continue
            exposed.supports[pk] = (code, p)
            bump(insee, "supports")
            bump(insee, "expected_failures", p)
        if exposed.supports:
            for pk, code, support_id, insee in _sql(
                "SELECT t.id, t.code, t.support_id, c.insee FROM network_enclosure t "
                "LEFT JOIN network_commune c ON ST_Intersects(c.geom, t.geom) "
                "WHERE t.network_id = %(net)s AND t.support_id = ANY(%(supports)s)",
                {"net": network.pk, "supports": list(exposed.supports)}):
                exposed.enclosures[pk] = (code, exposed.supports[support_id][1])
                bump(insee, "enclosures")
    if AssetClass.SITE in probabilities:
        p = probabilities[AssetClass.SITE]
        for pk, code, insee in _sql(
            "SELECT t.id, t.code, (SELECT c.insee FROM vf_exposure_communes c WHERE ST_Intersects(c.g, t.geom) LIMIT 1) "
            "FROM network_site t WHERE t.network_id = %(net)s AND t.id IN (SELECT t.id FROM network_site t "
            "JOIN vf_exposure_area a ON ST_Intersects(t.geom, a.g) WHERE t.network_id = %(net)s)" + zone_clause,
            params):
            exposed.sites[pk] = (code, p)
            bump(insee, "sites")
            bump(insee, "expected_failures", p)
    # Premises inside the area (people under the alert), per commune: counted, not listed.
    for insee, n, units, critical in _sql(
        "SELECT t.commune_id, count(*), coalesce(sum(t.housing_units + t.business_units), 0), "
        "count(*) FILTER (WHERE t.critical_category <> '') FROM network_premises t WHERE t.network_id = %(net)s "
        "AND t.id IN (SELECT t.id FROM network_premises t JOIN vf_exposure_area a ON ST_Intersects(t.geom, a.g) "
        "WHERE t.network_id = %(net)s) GROUP BY t.commune_id", params):
        bump(insee, "premises", n)
        bump(insee, "units", units)
        bump(insee, "critical_premises", critical)
    names = dict(_sql("SELECT insee, name FROM network_commune WHERE insee = ANY(%s)", [[k for k in per_commune if k]]))
    communes = []
    for insee, row in sorted(per_commune.items()):
        row["name"] = names.get(insee, "")
        row["segments_length_m"] = round(row["segments_length_m"], 1)
        row["expected_failures"] = round(row["expected_failures"], 4)
        communes.append(row)
    totals = {k: (round(sum(r[k] for r in communes), 4) if k in ("segments_length_m", "expected_failures")
                  else sum(r[k] for r in communes))
              for k in ("segments", "segments_length_m", "supports", "sites", "enclosures", "premises", "units",
                        "critical_premises", "expected_failures")}
    totals["flood_zones_used"] = use_zones
    return {"exposed": exposed, "per_commune": communes, "totals": totals}


def impact_of_exposure(network: Network, exposed: ExposedAssets) -> dict:
    """What the exposed assets would cut if they all failed (the worst case the crisis cell plans
    for), from the impact engine: figures, per commune, critical sites. The premises list is not
    stored here (a département-wide alert would list the whole network); the API pages through
    the impact endpoint for it. Enclosures count through their support point."""
    from .impact import impact, impact_as_json

    supports = set(exposed.supports)
    if exposed.enclosures:
        supports.update(
            Enclosure.objects.filter(pk__in=list(exposed.enclosures), support__isnull=False).values_list("support_id", flat=True)
        )
    if not (exposed.segments or supports or exposed.sites):
        return {}
    result = impact(network, failed_segments=list(exposed.segments), failed_supports=sorted(supports),
                    failed_sites=list(exposed.sites))
    return impact_as_json(network, result, with_premises=False)


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


def _serialise(exposed: ExposedAssets) -> dict:
    return {kind: [{"id": pk, "code": code, "probability": p} for pk, (code, p) in sorted(getattr(exposed, kind).items())]
            for kind in ("segments", "supports", "sites", "enclosures")}


def run_exposure(alert: Alert, network: Network) -> ExposureRun:
    """Compute and store the current exposure run of (alert, network); emit exposure.computed."""
    started = time.monotonic()
    network.refresh_from_db(fields=["version"])
    result = compute(alert, network)
    impact = impact_of_exposure(network, result["exposed"])
    with transaction.atomic():
        ExposureRun.objects.filter(alert=alert, network=network, status=ExposureStatus.CURRENT).update(
            status=ExposureStatus.SUPERSEDED)
        run = ExposureRun.objects.create(
            alert=alert, network=network, network_version=network.version, totals=result["totals"],
            per_commune=result["per_commune"], assets=_serialise(result["exposed"]), impact=impact,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        emit("exposure.computed", {"exposure": {"id": run.pk, "alert": alert.pk, "network": network.slug,
                                                "network_version": run.network_version, "totals": run.totals}},
             organisations=[network.owner_id, network.operator_id], subject=f"exposure:{alert.pk}:{network.pk}")
    return run


def refresh_alert(alert: Alert) -> list[ExposureRun]:
    """Recompute exposure for an active alert, or retire its runs when it has ended."""
    if alert.lifecycle != Lifecycle.ACTIVE:
        ExposureRun.objects.filter(alert=alert, status=ExposureStatus.CURRENT).update(status=ExposureStatus.SUPERSEDED)
        return []
    return [run_exposure(alert, network) for network in networks_exposed_to(alert)]


def stale_runs():
    """Current runs of active alerts computed on an older network version."""
    from django.db.models import F

    return (ExposureRun.objects.filter(status=ExposureStatus.CURRENT, alert__lifecycle=Lifecycle.ACTIVE)
            .exclude(network_version=F("network__version")).select_related("alert", "network"))
