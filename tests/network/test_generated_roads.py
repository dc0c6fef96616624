"""Issue 18: a believable generated network — roads first, routes and cables along them, short
drops, a few per cent of complex connections, and fibre-level data (t_fibre, t_cassette,
t_position, t_ropt) in the GraceTHD v2 format of the real sample."""
import io
import json
from collections import defaultdict

import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.db import connection

from complex_connections.models import ComplexConnection
from network.models import Cable, DeliveredRow, Enclosure, Network, Premises, Site
from network.services.generator import params
from network.services.generator.communes import load_communes
from network.services.generator.placement import place_premises
from network.services.generator.roads import build_roads, place_along_streets
from network.services.generator.routes import build_along_roads
from network.services.generator.routing import route
from network.services.generator.topology import build_topology
from organisations.models import OrganisationKind

N = 2000


@pytest.fixture
def orgs(make_org):
    return make_org("syn-r"), make_org("oi-r", kind=OrganisationKind.OPERATOR)


def generate(slug="roads", premises=N, seed=3, **extra):
    out = io.StringIO()
    call_command("generate_rip", network=slug, departement="29", premises=premises, seed=seed, owner="syn-r",
                 operator="oi-r", stdout=out, **extra)
    network = Network.objects.get(slug=slug)
    network.summary = json.loads(out.getvalue().splitlines()[0])
    return network


def _quantiles(sql, net):
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), percentile_cont(0.9) WITHIN GROUP (ORDER BY d),
                                  avg((d <= 50)::int) FROM ({sql}) x""", {"net": net.pk})
        return cursor.fetchone()


@pytest.mark.django_db
def test_drops_are_short_and_premises_stand_by_a_route(orgs):
    net = generate()
    # premises → its PBO enclosure: what complex_connections' long_drop measures
    p50, p90, _ = _quantiles("""SELECT ST_Distance(p.geom, e.geom) AS d FROM network_premises p
                                JOIN network_enclosure e ON e.id = p.pbo_id WHERE p.network_id = %(net)s""", net)
    assert p50 < 40 and p90 < 150, (p50, p90)
    # the summary's drop figures: the same straight distances, and the drop along the road (PBO →
    # front of the house along the road, then across the plot) is never shorter
    drops = net.summary["drops_m"]
    assert drops["straight_p50"] == pytest.approx(p50, abs=0.5) and drops["straight_p90"] == pytest.approx(p90, abs=0.5)
    assert drops["road_p50"] >= drops["straight_p50"] and drops["road_p90"] >= drops["straight_p90"]
    # premises → nearest route segment
    r50, r90, within50 = _quantiles("""SELECT (SELECT ST_Distance(p.geom, s.geom) FROM network_routesegment s
                                                WHERE s.network_id = %(net)s ORDER BY s.geom <-> p.geom LIMIT 1) AS d
                                        FROM network_premises p WHERE p.network_id = %(net)s""", net)
    assert r50 < 20 and within50 > 0.9, (r50, r90, within50)


def test_every_segment_lies_on_a_road(db):
    """Stages run in memory: every route segment (transport, distribution) has both ends on
    a road edge of the road graph, and transport/distribution cables run only over road segments."""
    communes = load_communes("29")
    rng = lambda stage: np.random.default_rng([5, stage])  # noqa: E731
    place = place_premises(communes, 3000, rng(1))
    roads = build_roads(place, rng(5))
    foot = place_along_streets(place, roads, communes.geoms, rng(6))
    topo = build_topology(place.xy, place.commune, rng(3), roads=roads, foot=foot)
    fine, paths = route(roads, topo, *foot)
    topo.premises_pbo, topo.pbo_sro = paths.premises_pbo, paths.pbo_sro
    phys = build_along_roads(topo, fine, paths, roads, place.xy, rng(4))
    lines = shapely.linestrings(np.stack([roads.xy[roads.a], roads.xy[roads.b]], axis=1))
    tree = shapely.STRtree(lines)
    for ends in (phys.seg_n1, phys.seg_n2):
        pts = shapely.points(phys.node_xy[ends])
        _, hit = tree.query_nearest(pts, all_matches=False, return_distance=True)
        assert hit.max() < 0.01
    # the roads are not a star: settlements are joined by a spanning structure with cross-links
    assert len(roads.a) > len(roads.xy) - 1
    # premises stand off the road, at their set-back (a few stay put rather than leave their commune)
    _, setback = tree.query_nearest(shapely.points(place.xy), all_matches=False, return_distance=True)
    assert np.median(setback) < 20 and (setback >= 2.9).mean() > 0.95


@pytest.mark.django_db
def test_complex_connections_are_a_few_per_cent_of_the_demo_sized_network(orgs):
    net = generate(slug="demo-size", premises=25_000, seed=2029, around="29232")
    call_command("detect_complex_connections", network="demo-size", stdout=io.StringIO())
    share = ComplexConnection.objects.filter(network=net).count() / Premises.objects.filter(network=net).count()
    assert 0.01 <= share <= 0.08, share


def _table(net, name):
    rows = DeliveredRow.objects.filter(table__network=net, table__name=name).values_list("data", flat=True)
    return [r if isinstance(r, dict) else json.loads(r) for r in rows]


@pytest.mark.django_db
def test_no_drop_cable_premises_hang_on_their_pbo(orgs):
    """Drops are not in the cable graph: no RA cable, no segment per premises, no premises node;
    each premises names its PBO (the fibre tables are off unless asked for)."""
    net = generate(premises=800)
    assert not Cable.objects.filter(network=net).exclude(role__in=["DI", "TR", "CO"]).exists()
    assert not Premises.objects.filter(network=net, pbo__isnull=True).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM network_node WHERE network_id = %s AND node_type = 'SF'", [net.pk])
        assert cursor.fetchone()[0] == 0
    assert not DeliveredRow.objects.filter(table__network=net).exists()
    pbo_nodes = set(Enclosure.objects.filter(network=net, enclosure_type="PBO").values_list("node_id", flat=True))
    fed = set(Cable.objects.filter(network=net, role="DI").values_list("node2_id", flat=True))
    assert pbo_nodes == fed


@pytest.mark.django_db
def test_optical_routes_climb_from_the_pbo_to_an_nro_through_the_premises_cables(orgs):
    net = generate(premises=800, fibres=True)
    cables = {c.code: c for c in Cable.objects.filter(network=net)}
    fibres = {f["fo_code"]: f for f in _table(net, "t_fibre")}
    assert all(f["fo_cb_code"] in cables and f["fo_etat"] == "OK" for f in fibres.values())
    routes = defaultdict(list)
    for r in _table(net, "t_ropt"):
        routes[r["rt_code"]].append((int(r["rt_fo_ordr"]), r["rt_fo_code"]))
    premises = list(Premises.objects.filter(network=net).select_related("pbo"))
    assert len(routes) == len(premises) and all(p.suf_code for p in premises)
    nro_nodes = set(Site.objects.filter(network=net, site_type="NRO").values_list("node_id", flat=True))
    sro_nodes = set(Site.objects.filter(network=net, site_type="SRO").values_list("node_id", flat=True))
    di_by_node2 = {c.node2_id: c for c in cables.values() if c.role == "DI"}
    positions = _table(net, "t_position")
    cassettes = {c["cs_code"]: c["cs_bp_code"] for c in _table(net, "t_cassette")}
    # the splice at the serving PBO: the route's first fibre on the NRO side, nothing on the
    # premises side (the drop is not a cable of the network), the premises' SUF pre-assigned
    serving = {p["ps_preaff"]: (p["ps_1"], cassettes[p["ps_cs_code"]]) for p in positions if p["ps_type"] == "SFU"}
    assert all(p["ps_2"] == "" for p in positions if p["ps_type"] == "SFU")
    assert all(p["ps_1"] and p["ps_2"] for p in positions if p["ps_type"] == "EPI")
    by_first = {}
    for code, steps in routes.items():
        steps.sort()
        assert [o for o, _ in steps] == list(range(1, len(steps) + 1)), code
        chain = [cables[fibres[fo]["fo_cb_code"]] for _, fo in steps]
        assert chain[0].role == "DI"
        by_first.setdefault(steps[0][1], []).append((steps, chain))
        # the last fibre reaches an NRO
        assert {chain[-1].node1_id, chain[-1].node2_id} & nro_nodes, code
    for p in premises:
        first_fibre, box = serving[p.suf_code]
        assert box == p.pbo.code
        [(steps, chain)] = by_first[first_fibre]
        # its fibres lie in the cables of its own path: the distribution cables from its PBO up to
        # its SRO, then transport cables
        expected, at = [], p.pbo.node_id
        while at not in sro_nodes:
            cable = di_by_node2[at]
            expected.append(cable.code)
            at = cable.node1_id
        roles = [c.role for c in chain]
        assert [c.code for c in chain[:len(expected)]] == expected
        assert set(roles[len(expected):]) <= {"TR"} and roles.count("TR") >= 1
    # every cassette is in a PBO of the network
    assert set(cassettes.values()) <= set(Enclosure.objects.filter(network=net).values_list("code", flat=True))
    assert params.SPLITTER_RATIO >= 1
