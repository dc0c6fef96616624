"""What a network holds: object counts per layer and its extent, cached by network version.

Counting and measuring a département network (300 k premises, 250 k route segments) takes a few
hundred milliseconds; the figures only change when the topology does, and every change bumps
`Network.version`. So they are computed once per version, for all requested networks in one
set-based query, and kept in the cache under a key holding the network's id, creation time and
version (a re-created database never reads a stale entry).
"""
from dataclasses import dataclass

from django.contrib.gis.geos import Polygon
from django.core.cache import cache
from django.db import connection

from .geo import densified_extent

COUNTED = {
    # layer name -> table, whether its geometry counts in the extent (sites, supports and
    # enclosures stand on nodes, already measured)
    "sites": ("network_site", False),
    "supports": ("network_supportpoint", False),
    "routes": ("network_routesegment", True),
    "cables": ("network_cable", True),
    "enclosures": ("network_enclosure", False),
    "premises": ("network_premises", True),
    "nodes": ("network_node", True),
}
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class NetworkSummary:
    counts: dict  # layer -> number of objects, plus "communes" (communes with premises)
    extent_2154: tuple | None  # (xmin, ymin, xmax, ymax) in Lambert-93, None when empty
    extent_4326: tuple | None  # (minlon, minlat, maxlon, maxlat)
    commune_ids: tuple  # INSEE codes of the communes its premises lie in


def cache_key(network) -> str:
    return f"network-summary:{network.pk}:{network.created_at.timestamp():.6f}:{network.version}"


def network_summaries(networks) -> dict:
    """{network pk: NetworkSummary} for the given networks (cached per version)."""
    networks = list(networks)
    keys = {cache_key(n): n for n in networks}
    found = cache.get_many(list(keys))
    result = {keys[k].pk: v for k, v in found.items()}
    missing = [n for k, n in keys.items() if k not in found]
    if missing:
        computed = _compute([n.pk for n in missing])
        cache.set_many({cache_key(n): computed[n.pk] for n in missing}, CACHE_SECONDS)
        result.update(computed)
    return result


def network_summary(network) -> NetworkSummary:
    return network_summaries([network])[network.pk]


def _compute(network_ids: list[int]) -> dict:
    parts = []
    for layer, (table, measured) in COUNTED.items():
        extent = "ST_Extent(geom)" if measured else "NULL::box2d"
        parts.append(
            f"SELECT network_id, '{layer}' AS layer, count(*) AS n, {extent} AS ext "
            f"FROM {table} WHERE network_id = ANY(%(ids)s) GROUP BY network_id"
        )
    sql = (
        "SELECT network_id, layer, n, ST_XMin(ext), ST_YMin(ext), ST_XMax(ext), ST_YMax(ext) FROM ("
        + " UNION ALL ".join(parts) + ") AS parts"
    )
    counts = {pk: {layer: 0 for layer in COUNTED} for pk in network_ids}
    boxes: dict = {pk: None for pk in network_ids}
    communes: dict = {pk: [] for pk in network_ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ids": network_ids})
        for pk, layer, n, xmin, ymin, xmax, ymax in cursor.fetchall():
            counts[pk][layer] = n
            if xmin is not None:
                box = boxes[pk]
                boxes[pk] = (xmin, ymin, xmax, ymax) if box is None else (
                    min(box[0], xmin), min(box[1], ymin), max(box[2], xmax), max(box[3], ymax))
        cursor.execute(
            "SELECT DISTINCT network_id, commune_id FROM network_premises "
            "WHERE network_id = ANY(%(ids)s) AND commune_id IS NOT NULL ORDER BY 1, 2",
            {"ids": network_ids},
        )
        for pk, insee in cursor.fetchall():
            communes[pk].append(insee)
    summaries = {}
    for pk in network_ids:
        box = boxes[pk]
        counts[pk]["communes"] = len(communes[pk])
        extent_4326 = None
        if box is not None:
            extent_4326 = tuple(round(v, 7) for v in densified_extent(Polygon.from_bbox(_non_degenerate(box)), 2154, 4326))
        summaries[pk] = NetworkSummary(counts[pk], box, extent_4326, tuple(communes[pk]))
    return summaries


def _non_degenerate(box: tuple) -> tuple:
    """A one-point network still has an extent: widen a flat box by a metre."""
    xmin, ymin, xmax, ymax = box
    if xmax - xmin < 1:
        xmin, xmax = xmin - 0.5, xmax + 0.5
    if ymax - ymin < 1:
        ymin, ymax = ymin - 0.5, ymax + 0.5
    return (xmin, ymin, xmax, ymax)
