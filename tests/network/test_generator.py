"""generate_rip: a deterministic, realistic, internally consistent synthetic RIP (small N, département 29)."""
import io

import networkx as nx
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from network.models import (
    Cable, CableRoute, Commune, Enclosure, Network, Premises, RouteSegment, Site, SupportPoint,
)
from network.services.generator import params
from organisations.models import OrganisationKind

N = 2000


@pytest.fixture
def orgs(make_org):
    owner = make_org("syn-29")
    operator = make_org("oi-29", kind=OrganisationKind.OPERATOR)
    return owner, operator


def generate(slug="rip", seed=1, premises=N, **extra):
    out = io.StringIO()
    args = dict(network=slug, departement="29", premises=premises, seed=seed, owner="syn-29", operator="oi-29")
    args.update(extra)
    call_command("generate_rip", stdout=out, **{k: v for k, v in args.items() if v is not None})
    return Network.objects.get(slug=slug)


def content(network) -> dict:
    """Everything generated, by code, geometry as WKB: what must be identical for one seed."""
    tables = {
        "node": "SELECT n.code, n.node_type, ST_AsBinary(n.geom) FROM network_node n",
        "site": "SELECT s.code, s.site_type, s.name, n.code FROM network_site s JOIN network_node n ON n.id = s.node_id",
        "support": """SELECT p.code, p.support_type, p.owner, p.state, n.code FROM network_supportpoint p
                      JOIN network_node n ON n.id = p.node_id""",
        "segment": """SELECT s.code, s.laying_mode, a.code, b.code, ST_AsBinary(s.geom) FROM network_routesegment s
                      JOIN network_node a ON a.id = s.node1_id JOIN network_node b ON b.id = s.node2_id""",
        "cable": """SELECT c.code, c.role, c.capacity, ST_AsBinary(c.geom),
                           (SELECT string_agg(s.code, ',' ORDER BY r.position) FROM network_cableroute r
                            JOIN network_routesegment s ON s.id = r.segment_id WHERE r.cable_id = c.id)
                    FROM network_cable c""",
        "enclosure": """SELECT e.code, p.code FROM network_enclosure e JOIN network_supportpoint p ON p.id = e.support_id""",
        "premises": """SELECT a.code, a.commune_id, a.address, a.housing_units, a.business_units, a.connection_status,
                              a.critical_category, a.has_vertical_cabling, e.code, ST_AsBinary(a.geom)
                       FROM network_premises a JOIN network_enclosure e ON e.id = a.pbo_id""",
    }
    result = {}
    with connection.cursor() as cursor:
        for name, sql in tables.items():
            alias = {"node": "n", "site": "s", "support": "p", "segment": "s", "cable": "c", "enclosure": "e"}.get(name, "a")
            cursor.execute(f"{sql} WHERE {alias}.network_id = %s ORDER BY 1", [network.pk])
            result[name] = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]
    return result


@pytest.mark.django_db
def test_same_seed_same_network_other_seed_another(orgs):
    a, b, c = generate("rip-a", seed=42), generate("rip-b", seed=42), generate("rip-c", seed=43)
    content_a = content(a)
    assert content_a == content(b)
    assert len(content_a["premises"]) == N
    other = content(c)
    assert other["premises"] != content_a["premises"]
    assert other["segment"] != content_a["segment"]


@pytest.mark.django_db
def test_counts_follow_the_engineering_ratios(orgs):
    net = generate()
    n_premises = Premises.objects.filter(network=net).count()
    nro = Site.objects.filter(network=net, site_type="NRO").count()
    sro = Site.objects.filter(network=net, site_type="SRO").count()
    pbo = Enclosure.objects.filter(network=net, enclosure_type="PBO").count()
    assert n_premises == N
    assert nro == max(1, round(N / params.PREMISES_PER_NRO))
    assert 300 <= n_premises / sro <= 500
    # a PBO per street (a group of 1–2 houses joins the next one when close enough), isolated farms
    # one of their own: small boxes in the countryside
    assert 3 <= n_premises / pbo <= 12
    assert not Premises.objects.filter(network=net, pbo__isnull=True).exists()
    assert not Premises.objects.filter(network=net, commune__isnull=True).exists()
    net.refresh_from_db()
    assert net.version == 2 and net.departement_id == "29"


def cable_graph(net) -> nx.MultiGraph:
    """One edge per cable (keyed by its code): two cables between the same nodes stay two."""
    graph = nx.MultiGraph()
    for code, n1, n2, role in Cable.objects.filter(network=net).values_list("code", "node1_id", "node2_id", "role"):
        graph.add_edge(n1, n2, key=code, role=role)
    return graph


@pytest.mark.django_db
def test_every_premises_reachable_from_an_nro_and_one_transport_cut_cuts_nobody(orgs):
    net = generate()
    graph = cable_graph(net)
    nro_nodes = set(Site.objects.filter(network=net, site_type="NRO").values_list("node_id", flat=True))
    sro_nodes = set(Site.objects.filter(network=net, site_type="SRO").values_list("node_id", flat=True))
    pbo_nodes = set(Premises.objects.filter(network=net).values_list("pbo__node_id", flat=True))
    reachable = set().union(*(nx.node_connected_component(graph, n) for n in nro_nodes))
    assert pbo_nodes <= reachable and sro_nodes <= reachable
    # Distribution is a tree: each PBO is fed by exactly one cable (a PBO nearer by road to no
    # premises than another may serve none yet).
    fed = [n2 for n2 in Cable.objects.filter(network=net, role="DI").values_list("node2_id", flat=True)]
    all_pbo = set(Enclosure.objects.filter(network=net, enclosure_type="PBO").values_list("node_id", flat=True))
    assert len(fed) == len(set(fed)) == len(all_pbo) and pbo_nodes <= all_pbo
    # Transport loops: losing any one transport cable leaves every SRO connected to an NRO.
    transport = [(a, b, code) for a, b, code, d in graph.edges(keys=True, data=True) if d["role"] in ("TR", "CO")]
    assert transport
    for a, b, code in transport:
        cut = graph.copy()
        cut.remove_edge(a, b, key=code)
        still = set().union(*(nx.node_connected_component(cut, n) for n in nro_nodes))
        assert sro_nodes <= still, f"cutting {code} isolates an SRO"


@pytest.mark.django_db
def test_every_cable_route_chains_from_node1_to_node2(orgs):
    net = generate()
    segments = {s.pk: s for s in RouteSegment.objects.filter(network=net)}
    routes = {}
    for cable_id, segment_id in CableRoute.objects.filter(cable__network=net).order_by("cable", "position").values_list("cable", "segment"):
        routes.setdefault(cable_id, []).append(segments[segment_id])
    cables = list(Cable.objects.filter(network=net))
    assert len(routes) == len(cables)
    for cable in cables:
        at = cable.node1_id
        for seg in routes[cable.pk]:
            assert at in (seg.node1_id, seg.node2_id), cable.code
            at = seg.node2_id if at == seg.node1_id else seg.node1_id
        assert at == cable.node2_id, cable.code
        assert cable.length_m == pytest.approx(sum(s.length_m for s in routes[cable.pk]), abs=0.05)
    assert min(s.length_m for s in segments.values()) > 0
    assert all(s.geom.length > 0 for s in segments.values())


@pytest.mark.django_db
def test_geometries_meet_at_their_nodes(orgs):
    """What a GraceTHD import checks: segment and cable ends on their nodes; sites, supports and
    enclosures at their node's position."""
    net = generate()
    join = "JOIN network_node n ON n.id = x.node_id WHERE x.network_id = %s AND NOT ST_Equals(x.geom, n.geom)"
    checks = {
        "segment": """SELECT COUNT(*) FROM network_routesegment s JOIN network_node a ON a.id = s.node1_id
                      JOIN network_node b ON b.id = s.node2_id WHERE s.network_id = %s
                      AND NOT (ST_Equals(ST_StartPoint(s.geom), a.geom) AND ST_Equals(ST_EndPoint(s.geom), b.geom))""",
        "cable": """SELECT COUNT(*) FROM network_cable s JOIN network_node a ON a.id = s.node1_id
                    JOIN network_node b ON b.id = s.node2_id WHERE s.network_id = %s
                    AND NOT (ST_Equals(ST_StartPoint(s.geom), a.geom) AND ST_Equals(ST_EndPoint(s.geom), b.geom))""",
        "site": f"SELECT COUNT(*) FROM network_site x {join}",
        "support": f"SELECT COUNT(*) FROM network_supportpoint x {join}",
        "enclosure": f"SELECT COUNT(*) FROM network_enclosure x {join}",
        "duplicate node positions": """SELECT COUNT(*) FROM (SELECT geom FROM network_node WHERE network_id = %s
                                       GROUP BY geom HAVING COUNT(*) > 1) d""",
    }
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql, [net.pk])
            assert cursor.fetchone()[0] == 0, name


@pytest.mark.django_db
def test_laying_modes_supports_and_pbo_placement(orgs):
    net = generate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT laying_mode, SUM(length_m) FROM network_routesegment WHERE network_id = %s GROUP BY 1", [net.pk]
        )
        by_mode = dict(cursor.fetchall())
    total = sum(by_mode.values())
    share = lambda *modes: sum(by_mode.get(m, 0) for m in modes) / total  # noqa: E731
    assert 0.35 <= share("0", "1") <= 0.85, by_mode      # large aerial share
    assert share("1") > 0.02                             # Enedis poles too
    assert 0.10 <= share("4", "7") <= 0.55, by_mode      # underground: towns and transport
    assert share("2") > 0.005                            # façades in bourgs
    supports = {}
    for node_id, kind in SupportPoint.objects.filter(network=net).values_list("node_id", "support_type"):
        supports.setdefault(node_id, set()).add(kind)
    expected = {"0": "A", "1": "A", "2": "F", "4": "C", "7": "C"}
    for n1, n2, mode in RouteSegment.objects.filter(network=net).values_list("node1_id", "node2_id", "laying_mode"):
        assert expected[mode] in supports.get(n1, set()) and expected[mode] in supports.get(n2, set())
    owners = set(SupportPoint.objects.filter(network=net, support_type="A").values_list("owner", flat=True))
    assert {"ORANGE", "ENEDIS"} <= owners
    for pbo in Enclosure.objects.filter(network=net).select_related("support"):
        assert pbo.support is not None and pbo.support.node_id == pbo.node_id
        assert pbo.support.support_type in ("A", "F", "C")


@pytest.mark.django_db
def test_premises_stand_in_their_commune_with_critical_sites(orgs):
    net = generate()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT COUNT(*) FROM network_premises p JOIN network_commune c ON c.insee = p.commune_id
               WHERE p.network_id = %s AND c.departement_id = '29' AND ST_Contains(c.geom, p.geom)""",
            [net.pk],
        )
        assert cursor.fetchone()[0] == N
        cursor.execute(
            """SELECT COUNT(*) FROM network_node n JOIN network_departement d ON d.code = '29'
               WHERE n.network_id = %s AND NOT ST_DWithin(d.geom, n.geom, 500)""",
            [net.pk],
        )
        assert cursor.fetchone()[0] == 0
    communes = set(Premises.objects.filter(network=net).values_list("commune_id", flat=True))
    halls = Premises.objects.filter(network=net, critical_category="town_hall")
    assert set(halls.values_list("commune_id", flat=True)) == communes and halls.count() == len(communes)
    categories = set(Premises.objects.filter(network=net).exclude(critical_category="").values_list("critical_category", flat=True))
    assert categories == {"town_hall", "hospital", "ehpad", "fire_rescue", "gendarmerie", "school", "water_plant"}
    units = Premises.objects.filter(network=net)
    assert units.filter(housing_units__gte=4).exists() and units.filter(business_units__gte=1, housing_units=0).exists()
    assert units.filter(housing_units=1).count() > N * 0.7
    statuses = set(units.values_list("connection_status", flat=True))
    assert {"AB", "RB", "RA"} <= statuses
    assert Commune.objects.filter(insee__in=communes).exclude(departement_id="29").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("change, reason", [
    ({"departement": "99"}, "departement"),
    ({"departement": "975"}, "departement"),  # Saint-Pierre-et-Miquelon: a collectivity, its communes are not shipped
    ({"owner": "nobody"}, "owner"),
    ({"operator": "nobody"}, "operator"),
    ({"premises": 0}, "premises"),
    ({"premises": -5}, "premises"),
    ({"around": "22278"}, "around"),
    ({"seed": -1}, "seed"),  # Saint-Brieuc is not in the Finistère
])
def test_refusals(orgs, change, reason):
    with pytest.raises(CommandError, match=rf"refused: {reason}:"):
        generate("refused", **change)
    assert not Network.objects.filter(slug="refused").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("premises", [1, 3, 17])
def test_tiny_networks_are_still_consistent(orgs, premises):
    net = generate(premises=premises)
    assert Premises.objects.filter(network=net, pbo__isnull=False).count() == premises
    graph = cable_graph(net)
    nro = Site.objects.get(network=net, site_type="NRO").node_id
    sro_nodes = Site.objects.filter(network=net, site_type="SRO").values_list("node_id", flat=True)
    transport = [(a, b, code) for a, b, code, d in graph.edges(keys=True, data=True) if d["role"] == "TR"]
    assert len(transport) == 2  # a loop of one SRO: two distinct cables over distinct routes
    for a, b, code in transport:
        cut = graph.copy()
        cut.remove_edge(a, b, key=code)
        assert all(nx.has_path(cut, nro, sro) for sro in sro_nodes)


@pytest.mark.django_db
def test_around_centres_the_covered_communes(orgs):
    net = generate(around="29232", premises=6000)
    communes = set(Premises.objects.filter(network=net).values_list("commune_id", flat=True))
    assert "29232" in communes
    assert len(communes) > 1
    assert Premises.objects.filter(network=net, commune_id="29232").count() > 6000 / len(communes)


@pytest.mark.django_db
def test_new_network_needs_an_owner_and_content_is_never_overwritten_silently(orgs):
    with pytest.raises(CommandError, match="refused: owner:"):
        generate("no-owner", owner=None)
    net = generate("kept", seed=5, premises=300)
    before = content(net)
    with pytest.raises(CommandError, match="refused: network:.*--replace"):
        generate("kept", seed=6, premises=300)
    assert content(net) == before
    generate("kept", seed=6, premises=300, replace=True)
    net.refresh_from_db()
    assert content(net) != before and Premises.objects.filter(network=net).count() == 300
    assert net.version == 3
