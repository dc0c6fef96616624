"""Resilience API: happy paths, error shape naming each unknown code, scoping, elected officials."""
import pytest

from organisations.models import OrganisationKind
from resilience.services.graph import graph_cache
from tests.builders import build_small_network


@pytest.fixture
def net(db):
    graph_cache.clear()
    return build_small_network()


@pytest.fixture
def manager(net, token_client):
    return token_client(net.network.owner, "crisis_manager")[0]


@pytest.fixture
def operator_agent(net, token_client):
    return token_client(net.network.operator, "operator_agent")[0]


@pytest.fixture
def other_operator(net, make_org, token_client):
    build_small_network(slug="net-b", owner="syn-b", operator="oi-b")
    from organisations.models import Organisation

    return token_client(Organisation.objects.get(slug="oi-b"), "operator_agent")[0]


@pytest.fixture
def mayor(net, make_org, token_client):
    quimper = make_org("mairie-quimper", kind=OrganisationKind.COMMUNE, insee_code="29232")
    return token_client(quimper, "elected_official")[0]


def test_impact_happy_path(manager):
    r = manager.post("/api/v1/impact/", {"network": "net-a", "supports": ["PT-A1"]}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["figures"] == {"premises": 6, "households": 12, "businesses": 2, "critical_sites": 1}
    assert body["communes"] == [{"insee": "29232", "name": "Quimper", "premises": 6, "households": 12,
                                 "businesses": 2, "critical": 1}]
    assert body["critical_sites"] == [{"code": "AD-2-1", "category": "hospital", "commune": "29232"}]
    assert body["failed"] == {"segments": ["CM-D1a", "CM-D1b"], "supports": ["PT-A1"], "sites": [], "cables": ["CB-D1"]}
    assert body["premises"]["count"] == 6
    assert {p["code"] for p in body["premises"]["results"]} == {"AD-1-1", "AD-1-2", "AD-1-3", "AD-2-1", "AD-2-2", "AD-2-3"}
    features = body["geojson"]["features"]
    assert body["geojson"]["type"] == "FeatureCollection"
    assert sorted((f["properties"]["kind"], f["properties"]["code"]) for f in features) == [
        ("cable", "CB-D1"), ("segment", "CM-D1a"), ("segment", "CM-D1b"), ("support", "PT-A1")]
    lon, lat = next(f for f in features if f["properties"]["code"] == "PT-A1")["geometry"]["coordinates"]
    assert -4.2 < lon < -4.0 and 47.9 < lat < 48.1  # Quimper, in EPSG:4326


def test_impact_pagination_in_body_and_query(manager):
    r = manager.post("/api/v1/impact/", {"network": "net-a", "sites": ["ST-NRO1"], "page": 2, "page_size": 4}, format="json")
    body = r.json()["premises"]
    assert (body["count"], body["page"], body["pages"], len(body["results"])) == (9, 2, 3, 4)
    r = manager.post("/api/v1/impact/?page=3&page_size=4", {"network": "net-a", "sites": ["ST-NRO1"]}, format="json")
    assert len(r.json()["premises"]["results"]) == 1
    seen = set()
    for page in (1, 2, 3):
        r = manager.post(f"/api/v1/impact/?page={page}&page_size=4", {"network": "net-a", "sites": ["ST-NRO1"]}, format="json")
        seen |= {p["code"] for p in r.json()["premises"]["results"]}
    assert len(seen) == 9


def test_impact_ring_cut_cuts_nobody(manager):
    r = manager.post("/api/v1/impact/", {"network": "net-a", "segments": ["CM-T1"]}, format="json")
    assert r.json()["figures"]["premises"] == 0 and r.json()["failed"]["cables"] == ["CB-T1"]


def test_impact_names_each_unknown_code(manager):
    r = manager.post("/api/v1/impact/", {"network": "net-a", "segments": ["CM-T1", "CM-D1a", "X"],
                                         "supports": ["PT-NOPE"], "sites": ["ST-SRO1", "ST-X"]}, format="json")
    assert r.status_code == 400
    assert r.json() == {"errors": [
        {"path": "segments.2", "reason": "unknown segment code 'X' in network 'net-a'"},
        {"path": "supports.0", "reason": "unknown support code 'PT-NOPE' in network 'net-a'"},
        {"path": "sites.1", "reason": "unknown site code 'ST-X' in network 'net-a'"},
    ]}


def test_impact_bad_body(manager):
    r = manager.post("/api/v1/impact/", {"segments": "CM-T1", "page_size": 0}, format="json")
    assert r.status_code == 400
    paths = {e["path"] for e in r.json()["errors"]}
    assert {"network", "segments", "page_size"} <= paths


def test_codes_of_another_network_are_unknown(manager, other_operator):
    from network.models import RouteSegment

    RouteSegment.objects.filter(network__slug="net-b", code="CM-D1a").update(code="CM-B-ONLY")
    r = manager.post("/api/v1/impact/", {"network": "net-a", "segments": ["CM-B-ONLY"]}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "segments.0"


def test_another_operator_gets_404(other_operator):
    assert other_operator.post("/api/v1/impact/", {"network": "net-a", "segments": ["CM-T1"]}, format="json").status_code == 404
    assert other_operator.get("/api/v1/premises/AD-2-1/trace/?network=net-a").status_code == 404
    assert other_operator.get("/api/v1/networks/net-a/spof/").status_code == 404
    assert other_operator.get("/api/v1/communes/29232/resilience/?network=net-a").status_code == 404
    # its own network answers
    assert other_operator.get("/api/v1/networks/net-b/spof/").status_code == 200


def test_anonymous_is_refused(net, client):
    assert client.post("/api/v1/impact/", {"network": "net-a"}, content_type="application/json").status_code in (401, 403)


def test_trace(operator_agent):
    r = operator_agent.get("/api/v1/premises/AD-2-1/trace/?network=net-a")
    assert r.status_code == 200
    body = r.json()
    assert body["served"] and body["nro"] == "ST-NRO1" and body["length_m"] == 1900.0
    assert [h["code"] for h in body["hops"] if h["kind"] == "cable"] == ["CB-D2", "CB-D1", "CB-T1"]
    assert operator_agent.get("/api/v1/premises/AD-NOPE/trace/?network=net-a").status_code == 404
    r = operator_agent.get("/api/v1/premises/AD-2-1/trace/")
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "network"


def test_spof(manager):
    r = manager.get("/api/v1/networks/net-a/spof/?min_premises=6")
    assert r.status_code == 200
    body = r.json()
    assert [row["code"] for row in body["results"]][0] == "ST-NRO1"
    assert {row["code"] for row in body["results"]} == {"ST-NRO1", "CM-D1a", "CM-D1b", "PT-A1", "PT-PBO1", "ST-SRO1"}
    assert [row["rank"] for row in body["results"]] == [1, 2, 3, 4, 5, 6]
    r = manager.get("/api/v1/networks/net-a/spof/?min_premises=0")
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "min_premises"


def test_commune_report_for_the_network_managers(manager):
    r = manager.get("/api/v1/communes/29232/resilience/?network=net-a")
    assert r.status_code == 200
    body = r.json()
    assert body["premises"] == 9 and body["aerial_dependency"]["premises"] == 6
    assert [c["code"] for c in body["critical_sites_single_path"]] == ["AD-2-1", "AD-3-1"]


def test_mayor_sees_aggregates_of_own_commune_only(mayor, make_org, token_client):
    r = mayor.get("/api/v1/communes/29232/resilience/?network=net-a")
    assert r.status_code == 200
    body = r.json()
    assert body["premises"] == 9
    assert body["critical_sites_single_path"] == {"count": 2, "by_category": {"hospital": 1, "town_hall": 1}}
    assert all("code" not in row for row in body["top_single_points_of_failure"])
    assert mayor.get("/api/v1/communes/29019/resilience/?network=net-a").status_code == 403  # Brest: not theirs
    assert mayor.post("/api/v1/impact/", {"network": "net-a", "segments": ["CM-D1a"]}, format="json").status_code == 403
    assert mayor.get("/api/v1/premises/AD-2-1/trace/?network=net-a").status_code == 403
    assert mayor.get("/api/v1/networks/net-a/spof/").status_code == 403
    # an elected official of a syndicate without a commune: no commune report
    syn_official = token_client(make_org("syn-elus"), "elected_official", username="president")[0]
    assert syn_official.get("/api/v1/communes/29232/resilience/?network=net-a").status_code == 404


def test_api_root_lists_impact(manager):
    assert "impact" in manager.get("/api/v1/").json()


def test_impact_query_count_does_not_grow_with_the_cut(manager, django_assert_max_num_queries):
    manager.post("/api/v1/impact/", {"network": "net-a", "segments": ["CM-D3b"]}, format="json")  # graph built
    with django_assert_max_num_queries(8):
        small = manager.post("/api/v1/impact/", {"network": "net-a", "segments": ["CM-D3b"]}, format="json")
    with django_assert_max_num_queries(8):
        big = manager.post("/api/v1/impact/", {"network": "net-a", "sites": ["ST-NRO1"], "supports": ["PT-A1", "PT-C1"],
                                               "segments": ["CM-D1a", "CM-D2", "CM-T1"]}, format="json")
    assert small.json()["figures"]["premises"] == 3 and big.json()["figures"]["premises"] == 9
