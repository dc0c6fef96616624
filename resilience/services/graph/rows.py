"""Rows a service graph is built from (*lignes du réseau*): a fixed handful of set-based queries,
kept apart from the topology so tests can build a graph by hand, without the database."""
from __future__ import annotations

from dataclasses import dataclass, field

from network.models import Cable, CableRoute, Commune, Enclosure, Network, Premises, RouteSegment, Site, SupportPoint


@dataclass
class NetworkRows:
    """The raw rows a service graph is built from (plain tuples, database ids). Tests may build
    one by hand, without the database."""

    network_id: int
    version: int
    cables: list = field(default_factory=list)  # (id, code, node1_id, node2_id, role)
    routes: list = field(default_factory=list)  # (cable_id, segment_id), ordered by cable then position
    segments: list = field(default_factory=list)  # (id, code, node1_id, node2_id, length_m, laying_mode)
    supports: list = field(default_factory=list)  # (id, code, node_id, support_type)
    sites: list = field(default_factory=list)  # (id, code, node_id, site_type)
    enclosures: list = field(default_factory=list)  # (id, code, node_id, enclosure_type)
    premises: list = field(default_factory=list)  # (id, code, pbo_id, commune_id, housing, business, critical)
    node_codes: dict = field(default_factory=dict)  # node id -> code (optional: trace reads missing ones)
    communes: dict = field(default_factory=dict)  # insee -> name
    fibre_routes: object = None  # fibre_paths.FibreRoutes: optical routes read from the delivered tables


def load_rows(network: Network) -> NetworkRows:
    """Every row the graph needs, in a fixed handful of set-based queries (values_list). Node codes
    are not loaded (a trace reads the few it shows)."""
    net = network.pk
    version = Network.objects.filter(pk=net).values_list("version", flat=True).get()
    rows = NetworkRows(network_id=net, version=version)
    rows.cables = list(Cable.objects.filter(network_id=net).values_list("id", "code", "node1_id", "node2_id", "role"))
    rows.routes = list(
        CableRoute.objects.filter(cable__network_id=net).order_by("cable_id", "position").values_list("cable_id", "segment_id")
    )
    rows.segments = list(
        RouteSegment.objects.filter(network_id=net).values_list("id", "code", "node1_id", "node2_id", "length_m", "laying_mode")
    )
    rows.supports = list(SupportPoint.objects.filter(network_id=net).values_list("id", "code", "node_id", "support_type"))
    rows.sites = list(Site.objects.filter(network_id=net).values_list("id", "code", "node_id", "site_type"))
    rows.enclosures = list(Enclosure.objects.filter(network_id=net).values_list("id", "code", "node_id", "enclosure_type"))
    rows.premises = list(
        Premises.objects.filter(network_id=net).values_list(
            "id", "code", "pbo_id", "commune_id", "housing_units", "business_units", "critical_category"
        )
    )
    insees = {r[3] for r in rows.premises if r[3]}
    rows.communes = dict(Commune.objects.filter(insee__in=insees).values_list("insee", "name")) if insees else {}
    from .fibre_paths import read_routes

    rows.fibre_routes = read_routes(net)
    return rows
