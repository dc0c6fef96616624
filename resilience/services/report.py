"""Per-commune resilience report (*diagnostic de résilience communal*), the figures of a
*schéma de résilience* for one commune of one network.

- km of route (*cheminements*) by laying mode: length of the segments' geometry inside the
  commune's boundary (ST_Intersection), one grouped SQL query.
- Aerial dependency: share of the commune's served premises that at least one aerial segment
  (laying modes "0" aerial on telecom poles, "1" aerial on power poles) cuts on its own failure.
  Façade ("2") is NOT aerial here; `overhead_dependency` gives the same share counting façade too
  (exposed to wind and falling trees).
- Top single points of failure for the commune: ranked by the commune's premises they cut.
- Critical sites on a single path: critical premises of the commune whose PBO hangs below at least
  one cable that is a bridge (no other way to an NRO if it is cut).
- Premises per PBO: distribution over the PBOs serving the commune's premises.
"""
from __future__ import annotations

from statistics import median

import numpy as np
from django.db import connection

from network.models import Commune, Network, Premises, RouteSegment
from network.models.topology import AERIAL_MODES, OVERHEAD_MODES, LayingMode
from network.services.measure import storage_scale

from .graph import ServiceGraph, get_service_graph, is_dual_fed, vertex_of_enclosure
from .spof import commune_counts, spof_table


def route_length_by_mode(network: Network, insee: str) -> dict[str, float]:
    """Metres of route of each laying mode inside the commune. The boundary is cut into small
    pieces first (ST_Subdivide: the pieces do not overlap, so lengths add up) so that each test
    runs against a few vertices, not the whole commune outline; segments wholly inside a piece are
    counted whole, only those crossing a piece's edge are clipped."""
    sql = f"""
        WITH parts AS (SELECT ST_Subdivide(geom, 128) AS geom FROM {Commune._meta.db_table} WHERE insee = %s)
        SELECT s.laying_mode, SUM(CASE WHEN ST_CoveredBy(s.geom, p.geom) THEN ST_Length(s.geom)
                                       ELSE ST_Length(ST_Intersection(s.geom, p.geom)) END)
        FROM {RouteSegment._meta.db_table} s JOIN parts p ON ST_Intersects(s.geom, p.geom)
        WHERE s.network_id = %s
        GROUP BY s.laying_mode
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [insee, network.pk])
        k = storage_scale(network)  # 1.0 in mainland; overseas, Lambert-93 enlarges lengths
        return {mode: float(metres or 0.0) / k for mode, metres in cursor.fetchall()}


def dependency_mask(graph: ServiceGraph, modes) -> np.ndarray:
    """Premises (graph positions) cut by the single failure of at least one segment of these modes."""
    key = "_dependency_" + "".join(sorted(modes))
    cached = getattr(graph, key, None)
    if cached is not None:
        return cached
    diff = np.zeros(len(graph.premises_ids) + 1, dtype=np.int64)
    for sp in spof_table(graph):
        if sp.kind == "segment" and sp.detail in modes:
            for a, b in sp.ranges:
                diff[a] += 1
                diff[b] -= 1
    mask = np.cumsum(diff)[:-1] > 0
    setattr(graph, key, mask)
    return mask


def commune_resilience(network: Network, insee: str, top: int = 10, aggregates_only: bool = False) -> dict:
    """The report of one commune of one network (plain dict, JSON-ready)."""
    graph = get_service_graph(network)
    commune = Commune.objects.only("insee", "name").get(insee=insee)
    # geometry does not change without a version bump: kept on the graph, per commune
    cache = graph.__dict__.setdefault("_route_length_by_commune", {})
    if insee not in cache:
        cache[insee] = route_length_by_mode(network, insee)
    metres = cache[insee]
    labels = dict(LayingMode.choices)
    routes = [{"laying_mode": mode, "label": str(labels.get(mode, mode)), "km": round(m / 1000.0, 3)}
              for mode, m in sorted(metres.items())]

    position = graph.commune_insees.index(insee) if insee in graph.commune_insees else -1
    in_commune = graph.premises_commune == position if position >= 0 else np.zeros(len(graph.premises_ids), dtype=bool)
    served = int(in_commune.sum())
    unserved = [u for u in graph.unserved if u[2] == insee]
    households = int(graph.premises_households[in_commune].sum()) + sum(u[3] for u in unserved)
    businesses = int(graph.premises_businesses[in_commune].sum()) + sum(u[4] for u in unserved)

    aerial = int((dependency_mask(graph, AERIAL_MODES) & in_commune).sum())
    overhead = int((dependency_mask(graph, OVERHEAD_MODES) & in_commune).sum())

    spofs = []
    if position >= 0:
        ranked = sorted(commune_counts(graph, position, spof_table(graph)),
                        key=lambda item: (-item[0], -item[1].premises, -item[1].critical, item[1].kind, item[1].code))
        for n, sp in ranked[:top]:
            row = sp.as_dict()
            row["premises_in_commune"] = n
            if aggregates_only:
                row.pop("code")
            spofs.append(row)

    critical = []
    positions = np.flatnonzero(in_commune)
    for i in positions:
        category = graph.premises_critical[i]
        if not category:
            continue
        if is_dual_fed(graph, vertex_of_enclosure(graph, graph.premises_pbo[i])):
            continue
        critical.append({"code": graph.premises_codes[i], "category": category,
                         "pbo": graph.enclosure_codes[graph.enclosure_index[graph.premises_pbo[i]]]})
    critical.sort(key=lambda row: row["code"])

    per_pbo: dict[int, int] = {}
    for pbo in Premises.objects.filter(network=network, commune_id=insee, pbo__isnull=False).values_list("pbo_id", flat=True):
        per_pbo[pbo] = per_pbo.get(pbo, 0) + 1
    counts = sorted(per_pbo.values())
    pbo_stats = {
        "pbo": len(counts),
        "min": counts[0] if counts else 0,
        "max": counts[-1] if counts else 0,
        "mean": round(sum(counts) / len(counts), 2) if counts else 0,
        "median": median(counts) if counts else 0,
        "premises_without_pbo": Premises.objects.filter(network=network, commune_id=insee, pbo__isnull=True).count(),
    }

    report = {
        "network": network.slug, "version": graph.version,
        "commune": {"insee": commune.insee, "name": commune.name},
        "premises": served + len(unserved), "premises_served": served, "premises_not_served": len(unserved),
        "households": households, "businesses": businesses,
        "routes_km_by_laying_mode": routes,
        "routes_km_total": round(sum(metres.values()) / 1000.0, 3),
        "aerial_dependency": {"premises": aerial, "share": round(aerial / served, 4) if served else 0.0,
                              "laying_modes": sorted(AERIAL_MODES)},
        "overhead_dependency": {"premises": overhead, "share": round(overhead / served, 4) if served else 0.0,
                                "laying_modes": sorted(OVERHEAD_MODES)},
        "top_single_points_of_failure": spofs,
        "critical_sites_single_path": (
            {"count": len(critical), "by_category": _by_category(critical)} if aggregates_only else critical
        ),
        "premises_per_pbo": pbo_stats,
    }
    return report


def _by_category(rows) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in rows:
        out[row["category"]] = out.get(row["category"], 0) + 1
    return out


def network_communes(network: Network) -> list[dict]:
    """Premises per commune of the network, served or not (they add up to the network's)."""
    graph = get_service_graph(network)
    counts = np.bincount(graph.premises_commune[graph.premises_commune >= 0], minlength=len(graph.commune_insees))
    rows = {insee: int(counts[i]) for i, insee in enumerate(graph.commune_insees)}
    for u in graph.unserved:
        rows[u[2] or ""] = rows.get(u[2] or "", 0) + 1
    rows[""] = rows.get("", 0) + int((graph.premises_commune < 0).sum())
    return [{"insee": k, "name": graph.communes.get(k, ""), "premises": v} for k, v in sorted(rows.items()) if v]
