"""A small, hand-made network for tests (in Quimper, Lambert-93), shared by every app's tests.

              T3 (NRO1→SRO2, underground)
      ┌──────────────────────────────────┐
    NRO1 ──T1 (aerial)── SRO1 ──T2── SRO2 ┘        transport ring: one cut on it cuts nobody
                          │            │
                 D1 (aerial, poles)   D3 (underground)
                          │            │
                        PBO1 ─D2─ PBO2  PBO3        distribution tree: a cut cuts what is downstream
                        │││     │││     │││
                      premises (3 per PBO, 9 in all; P-2-1 is a hospital, P-3-1 a town hall)

Every cable runs over route segments of its own; poles (appuis) stand at the ends of aerial
segments, chambers at the ends of underground ones. Nothing here is generated at random: tests
can name every code.
"""
from dataclasses import dataclass, field

from django.contrib.gis.geos import LineString, Point

from network.models import (
    Cable, CableRole, CableRoute, Commune, Enclosure, EnclosureType, LayingMode, Network, Node, Premises,
    RouteSegment, Site, SiteType, SupportPoint, SupportType,
)
from organisations.models import Organisation, OrganisationKind

ORIGIN = (170300.0, 6790100.0)  # Quimper (29232), EPSG:2154

# node code -> (dx, dy) in metres from ORIGIN
NODES = {
    "ND-NRO1": (0, 0), "ND-SRO1": (1000, 0), "ND-SRO2": (1000, -1000), "ND-T3": (0, -1000),
    "ND-A1": (1000, 300), "ND-PBO1": (1000, 600), "ND-PBO2": (1300, 600),
    "ND-C1": (1300, -1000), "ND-PBO3": (1600, -1000),
}
# segment code -> (node1, node2, laying mode)
SEGMENTS = {
    "CM-T1": ("ND-NRO1", "ND-SRO1", LayingMode.AERIAL_TELECOM),
    "CM-T2": ("ND-SRO1", "ND-SRO2", LayingMode.CONDUIT),
    "CM-T3a": ("ND-NRO1", "ND-T3", LayingMode.CONDUIT),
    "CM-T3b": ("ND-T3", "ND-SRO2", LayingMode.CONDUIT),
    "CM-D1a": ("ND-SRO1", "ND-A1", LayingMode.AERIAL_TELECOM),
    "CM-D1b": ("ND-A1", "ND-PBO1", LayingMode.AERIAL_POWER),
    "CM-D2": ("ND-PBO1", "ND-PBO2", LayingMode.FACADE),
    "CM-D3a": ("ND-SRO2", "ND-C1", LayingMode.CONDUIT),
    "CM-D3b": ("ND-C1", "ND-PBO3", LayingMode.DIRECT_BURIAL),
}
# cable code -> (role, node1, node2, segments in order)
CABLES = {
    "CB-T1": (CableRole.TRANSPORT, "ND-NRO1", "ND-SRO1", ["CM-T1"]),
    "CB-T2": (CableRole.TRANSPORT, "ND-SRO1", "ND-SRO2", ["CM-T2"]),
    "CB-T3": (CableRole.TRANSPORT, "ND-NRO1", "ND-SRO2", ["CM-T3a", "CM-T3b"]),
    "CB-D1": (CableRole.DISTRIBUTION, "ND-SRO1", "ND-PBO1", ["CM-D1a", "CM-D1b"]),
    "CB-D2": (CableRole.DISTRIBUTION, "ND-PBO1", "ND-PBO2", ["CM-D2"]),
    "CB-D3": (CableRole.DISTRIBUTION, "ND-SRO2", "ND-PBO3", ["CM-D3a", "CM-D3b"]),
}
SITES = {"ST-NRO1": ("ND-NRO1", SiteType.NRO), "ST-SRO1": ("ND-SRO1", SiteType.SRO), "ST-SRO2": ("ND-SRO2", SiteType.SRO)}
# support code -> (node, type)
SUPPORTS = {
    "PT-A1": ("ND-A1", SupportType.POLE), "PT-PBO1": ("ND-PBO1", SupportType.POLE),
    "PT-PBO2": ("ND-PBO2", SupportType.FACADE_ANCHOR), "PT-T3": ("ND-T3", SupportType.CHAMBER),
    "PT-C1": ("ND-C1", SupportType.CHAMBER), "PT-PBO3": ("ND-PBO3", SupportType.CHAMBER),
}
ENCLOSURES = {"BP-PBO1": "PT-PBO1", "BP-PBO2": "PT-PBO2", "BP-PBO3": "PT-PBO3"}
CRITICAL = {"AD-2-1": "hospital", "AD-3-1": "town_hall"}


@dataclass
class SmallNetwork:
    network: Network
    nodes: dict = field(default_factory=dict)
    segments: dict = field(default_factory=dict)
    cables: dict = field(default_factory=dict)
    sites: dict = field(default_factory=dict)
    supports: dict = field(default_factory=dict)
    enclosures: dict = field(default_factory=dict)
    premises: dict = field(default_factory=dict)


def point(dx, dy) -> Point:
    return Point(ORIGIN[0] + dx, ORIGIN[1] + dy, srid=2154)


def get_org(slug, kind) -> Organisation:
    org, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": slug, "kind": kind})
    return org


def build_small_network(slug="net-a", owner="syn-a", operator="oi-a") -> SmallNetwork:
    owner_org = get_org(owner, OrganisationKind.SYNDICATE)
    operator_org = get_org(operator, OrganisationKind.OPERATOR) if operator else None
    if operator_org:
        operator_org.syndicates.add(owner_org)
    net = SmallNetwork(Network.objects.create(slug=slug, name=slug, owner=owner_org, operator=operator_org, departement_id="29"))
    n = net.network
    for code, (dx, dy) in NODES.items():
        net.nodes[code] = Node.objects.create(network=n, code=code, geom=point(dx, dy))
    for code, (a, b, mode) in SEGMENTS.items():
        line = LineString(net.nodes[a].geom, net.nodes[b].geom, srid=2154)
        net.segments[code] = RouteSegment.objects.create(
            network=n, code=code, node1=net.nodes[a], node2=net.nodes[b], laying_mode=mode, length_m=line.length, geom=line
        )
    for code, (role, a, b, segment_codes) in CABLES.items():
        segs = [net.segments[s] for s in segment_codes]
        coords = [segs[0].geom.coords[0]] + [s.geom.coords[1] for s in segs]
        cable = Cable.objects.create(
            network=n, code=code, node1=net.nodes[a], node2=net.nodes[b], role=role, capacity=72,
            length_m=sum(s.length_m for s in segs), geom=LineString(coords, srid=2154),
        )
        CableRoute.objects.bulk_create(CableRoute(cable=cable, segment=s, position=i) for i, s in enumerate(segs))
        net.cables[code] = cable
    for code, (node, site_type) in SITES.items():
        net.sites[code] = Site.objects.create(network=n, code=code, node=net.nodes[node], site_type=site_type, geom=net.nodes[node].geom)
    for code, (node, support_type) in SUPPORTS.items():
        net.supports[code] = SupportPoint.objects.create(
            network=n, code=code, node=net.nodes[node], support_type=support_type, geom=net.nodes[node].geom
        )
    for code, support in ENCLOSURES.items():
        s = net.supports[support]
        net.enclosures[code] = Enclosure.objects.create(
            network=n, code=code, support=s, node=s.node, enclosure_type=EnclosureType.PBO, geom=s.geom
        )
    quimper = Commune.objects.get(insee="29232")
    for i, pbo_code in enumerate(ENCLOSURES, start=1):
        pbo = net.enclosures[pbo_code]
        for j in range(1, 4):
            code = f"AD-{i}-{j}"
            net.premises[code] = Premises.objects.create(
                network=n, code=code, geom=Point(pbo.geom.x + 20 * j, pbo.geom.y + 15, srid=2154), commune=quimper,
                housing_units=j, business_units=1 if j == 3 else 0, pbo=pbo, critical_category=CRITICAL.get(code, ""),
            )
    return net


# -- one NRO, one SRO, the SRO cabinet beside the chamber where the cables end ---------------------
#
#   NRO ──CB-TR (transport)── X1 ──── CH ──CB-D1 (distribution)── PBO P1 (3 premises)
#                                     │ └──CB-D2 (distribution)── PBO P2 (3 premises)
#                      CB-LT (transport) CB-LD (distribution), both over CM-L
#                                     │
#                                    SRO (cabinet, patch panel)
#
# The transport and distribution cables all end in chamber CH, next to the SRO, as a delivery's
# cb_nd1/cb_nd2 say; nothing is spliced in CH: the fibres go up the link cables to the SRO's patch
# panel. Cutting the SRO site, its link segment or the NRO trunk cuts the six premises.
ONE_SRO_NODES = {"ND-NRO": (0, 0), "ND-X1": (500, 0), "ND-CH": (1000, 0), "ND-SRO": (1000, 30),
                 "ND-P1": (1500, 0), "ND-P2": (1000, -500)}
ONE_SRO_SEGMENTS = {
    "CM-1": ("ND-NRO", "ND-X1", LayingMode.CONDUIT), "CM-2": ("ND-X1", "ND-CH", LayingMode.CONDUIT),
    "CM-L": ("ND-CH", "ND-SRO", LayingMode.CONDUIT),
    "CM-3": ("ND-CH", "ND-P1", LayingMode.AERIAL_TELECOM), "CM-4": ("ND-CH", "ND-P2", LayingMode.AERIAL_TELECOM),
}
ONE_SRO_CABLES = {
    "CB-TR": (CableRole.TRANSPORT, "ND-NRO", "ND-CH", ["CM-1", "CM-2"]),
    "CB-LT": (CableRole.TRANSPORT, "ND-CH", "ND-SRO", ["CM-L"]),
    "CB-LD": (CableRole.DISTRIBUTION, "ND-SRO", "ND-CH", ["CM-L"]),
    "CB-D1": (CableRole.DISTRIBUTION, "ND-CH", "ND-P1", ["CM-3"]),
    "CB-D2": (CableRole.DISTRIBUTION, "ND-CH", "ND-P2", ["CM-4"]),
}
ONE_SRO_SITES = {"ST-NRO": ("ND-NRO", SiteType.NRO), "ST-SRO": ("ND-SRO", SiteType.SRO)}
ONE_SRO_SUPPORTS = {"PT-X1": ("ND-X1", SupportType.CHAMBER), "PT-CH": ("ND-CH", SupportType.CHAMBER),
                    "PT-P1": ("ND-P1", SupportType.POLE), "PT-P2": ("ND-P2", SupportType.POLE)}
ONE_SRO_ENCLOSURES = {"BP-P1": "PT-P1", "BP-P2": "PT-P2"}


def build_one_sro_network(slug="net-sro", owner="syn-a", operator="oi-a", roles=None) -> SmallNetwork:
    """The one-NRO/one-SRO network drawn above; `roles` overrides cable roles by code (e.g. "" for
    a delivery whose cb_typelog is empty)."""
    cables = {code: ((roles or {}).get(code, spec[0]),) + spec[1:] for code, spec in ONE_SRO_CABLES.items()}
    return build_network(slug, owner, operator, ONE_SRO_NODES, ONE_SRO_SEGMENTS, cables, ONE_SRO_SITES,
                         ONE_SRO_SUPPORTS, ONE_SRO_ENCLOSURES)


def build_network(slug, owner, operator, nodes, segments, cables, sites, supports, enclosures,
                  premises_per_pbo=3) -> SmallNetwork:
    """A network from tables shaped like the ones above (codes, offsets in metres from ORIGIN);
    premises AD-<pbo rank>-<j>, `premises_per_pbo` on each PBO, in Quimper."""
    owner_org = get_org(owner, OrganisationKind.SYNDICATE)
    operator_org = get_org(operator, OrganisationKind.OPERATOR) if operator else None
    if operator_org:
        operator_org.syndicates.add(owner_org)
    net = SmallNetwork(Network.objects.create(slug=slug, name=slug, owner=owner_org, operator=operator_org, departement_id="29"))
    n = net.network
    for code, (dx, dy) in nodes.items():
        net.nodes[code] = Node.objects.create(network=n, code=code, geom=point(dx, dy))
    for code, (a, b, mode) in segments.items():
        line = LineString(net.nodes[a].geom, net.nodes[b].geom, srid=2154)
        net.segments[code] = RouteSegment.objects.create(
            network=n, code=code, node1=net.nodes[a], node2=net.nodes[b], laying_mode=mode, length_m=line.length, geom=line
        )
    for code, (role, a, b, segment_codes) in cables.items():
        segs = [net.segments[s] for s in segment_codes]
        coords = [net.nodes[a].geom.coords]
        for s in segs:
            ends = [s.geom.coords[0], s.geom.coords[-1]]
            coords.append(ends[1] if ends[0] == coords[-1] else ends[0])
        cable = Cable.objects.create(
            network=n, code=code, node1=net.nodes[a], node2=net.nodes[b], role=role, capacity=72,
            length_m=sum(s.length_m for s in segs), geom=LineString(coords, srid=2154),
        )
        CableRoute.objects.bulk_create(CableRoute(cable=cable, segment=s, position=i) for i, s in enumerate(segs))
        net.cables[code] = cable
    for code, (node, site_type) in sites.items():
        net.sites[code] = Site.objects.create(network=n, code=code, node=net.nodes[node], site_type=site_type, geom=net.nodes[node].geom)
    for code, (node, support_type) in supports.items():
        net.supports[code] = SupportPoint.objects.create(
            network=n, code=code, node=net.nodes[node], support_type=support_type, geom=net.nodes[node].geom
        )
    for code, support in enclosures.items():
        s = net.supports[support]
        net.enclosures[code] = Enclosure.objects.create(
            network=n, code=code, support=s, node=s.node, enclosure_type=EnclosureType.PBO, geom=s.geom
        )
    quimper = Commune.objects.get(insee="29232")
    for i, pbo_code in enumerate(enclosures, start=1):
        pbo = net.enclosures[pbo_code]
        for j in range(1, premises_per_pbo + 1):
            code = f"AD-{i}-{j}"
            net.premises[code] = Premises.objects.create(
                network=n, code=code, geom=Point(pbo.geom.x + 20 * j, pbo.geom.y + 15, srid=2154), commune=quimper,
                housing_units=j, business_units=0, pbo=pbo,
            )
    return net
