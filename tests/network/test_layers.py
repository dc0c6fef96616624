"""Network read API: networks (scoped, counts, extent) and GeoJSON map layers (bbox, filters,
pagination, scoping, no N+1)."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from network.models import Premises
from organisations.models import Membership, OrganisationKind
from tests.builders import CABLES, ENCLOSURES, NODES, SEGMENTS, SITES, SUPPORTS, build_small_network

from .layer_helpers import bbox_around, origin_wgs84

PREMISES = {f"AD-{i}-{j}" for i in range(1, 4) for j in range(1, 4)}
EXPECTED = {
    "sites": set(SITES), "supports": set(SUPPORTS), "routes": set(SEGMENTS), "cables": set(CABLES),
    "enclosures": set(ENCLOSURES), "premises": PREMISES, "communes": {"29232"},
}


@pytest.fixture
def net(db):
    return build_small_network()


@pytest.fixture
def operator_client(net, token_client):
    client, _ = token_client(net.network.operator, "operator_agent")
    return client


def codes(response) -> set:
    assert response.status_code == 200, response.content
    return {f["id"] for f in response.json()["features"]}


@pytest.mark.parametrize("layer", sorted(EXPECTED))
def test_each_layer_is_geojson_in_wgs84_with_its_codes(operator_client, layer):
    response = operator_client.get(f"/api/v1/network/{layer}/", {"network": "net-a"})
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert codes(response) == EXPECTED[layer]
    lon, lat = origin_wgs84()
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    first = feature["geometry"]["coordinates"]
    while isinstance(first[0], list):
        first = first[0]
    assert abs(first[0] - lon) < 0.2 and abs(first[1] - lat) < 0.2  # degrees, not Lambert-93 metres


def test_layer_properties_carry_related_codes(operator_client):
    routes = {f["id"]: f["properties"] for f in operator_client.get(
        "/api/v1/network/routes/", {"network": "net-a"}).json()["features"]}
    assert routes["CM-T1"]["laying_mode"] == "0"
    assert (routes["CM-T1"]["node1"], routes["CM-T1"]["node2"]) == ("ND-NRO1", "ND-SRO1")
    premises = {f["id"]: f["properties"] for f in operator_client.get(
        "/api/v1/network/premises/", {"network": "net-a"}).json()["features"]}
    assert premises["AD-2-1"]["critical_category"] == "hospital"
    assert premises["AD-2-1"]["pbo"] == "BP-PBO2"
    assert premises["AD-2-1"]["commune"] == "29232" and premises["AD-2-1"]["commune_name"] == "Quimper"
    communes = operator_client.get("/api/v1/network/communes/", {"network": "net-a"}).json()["features"]
    assert communes[0]["properties"]["premises"] == 9


def test_network_is_optional_when_the_caller_sees_only_one(operator_client):
    assert codes(operator_client.get("/api/v1/network/sites/")) == set(SITES)


def test_bbox_keeps_what_lies_inside_and_only_that(operator_client):
    dx, dy = NODES["ND-NRO1"]
    assert codes(operator_client.get("/api/v1/network/sites/", {"network": "net-a", "bbox": bbox_around(dx, dy)})) == {"ST-NRO1"}
    dx, dy = NODES["ND-PBO3"]
    near_pbo3 = operator_client.get("/api/v1/network/premises/", {"network": "net-a", "bbox": bbox_around(dx, dy, 80)})
    assert codes(near_pbo3) == {"AD-3-1", "AD-3-2", "AD-3-3"}
    assert codes(operator_client.get("/api/v1/network/routes/", {"network": "net-a", "bbox": "7.7,48.5,7.8,48.6"})) == set()
    assert codes(operator_client.get("/api/v1/network/routes/", {"network": "net-a", "bbox": "100,10,110,20"})) == set()


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "-4,48,-5,49", "nan,1,2,3", "-200,40,-100,41", "-4,-95,-3,48", ""])
def test_bad_bbox_is_refused_naming_bbox(operator_client, bbox):
    response = operator_client.get("/api/v1/network/routes/", {"network": "net-a", "bbox": bbox})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["path"] == "bbox" and errors[0]["reason"]


@pytest.mark.parametrize("layer, params, expected", [
    ("routes", {"laying_mode": "0,1"}, {"CM-T1", "CM-D1a", "CM-D1b"}),
    ("routes", {"laying_mode": "2"}, {"CM-D2"}),
    ("routes", {"commune": "29232"}, set(SEGMENTS)),
    ("routes", {"commune": "29019"}, set()),  # Brest
    ("routes", {"code": "CM-T1,CM-T2"}, {"CM-T1", "CM-T2"}),
    ("supports", {"support_type": "C"}, {"PT-T3", "PT-C1", "PT-PBO3"}),
    ("supports", {"owner": "ORANGE"}, set()),
    ("sites", {"site_type": "NRO"}, {"ST-NRO1"}),
    ("cables", {"role": "DI"}, {"CB-D1", "CB-D2", "CB-D3"}),
    ("enclosures", {"enclosure_type": "PBO"}, set(ENCLOSURES)),
    ("premises", {"critical_category": "hospital"}, {"AD-2-1"}),
    ("premises", {"critical": "true"}, {"AD-2-1", "AD-3-1"}),
    ("premises", {"pbo": "BP-PBO1"}, {"AD-1-1", "AD-1-2", "AD-1-3"}),
    ("premises", {"commune": "29232", "connection_status": "RB"}, PREMISES),
    ("communes", {"insee": "29019"}, set()),
])
def test_filters(operator_client, layer, params, expected):
    assert codes(operator_client.get(f"/api/v1/network/{layer}/", {"network": "net-a", **params})) == expected


def test_unknown_choice_in_a_filter_is_refused_naming_it(operator_client):
    response = operator_client.get("/api/v1/network/routes/", {"network": "net-a", "laying_mode": "0,X"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "laying_mode"


def test_pagination_is_a_feature_collection_with_count_and_links(operator_client):
    first = operator_client.get("/api/v1/network/premises/", {"network": "net-a", "page_size": 4}).json()
    assert first["count"] == 9 and len(first["features"]) == 4 and first["next"] and first["previous"] is None
    last = operator_client.get("/api/v1/network/premises/", {"network": "net-a", "page_size": 4, "page": 3}).json()
    assert len(last["features"]) == 1 and last["next"] is None
    seen = {f["id"] for f in first["features"]} | {f["id"] for f in last["features"]}
    assert len(seen) == 5  # ordered by code: pages do not overlap


def test_page_size_is_bounded(operator_client, net):
    from network.api.views import LayerPagination

    assert LayerPagination.max_page_size == 5000
    response = operator_client.get("/api/v1/network/premises/", {"network": "net-a", "page_size": 10**9})
    assert response.status_code == 200 and len(response.json()["features"]) == 9


def test_another_operator_gets_404_naming_the_network(net, token_client, make_org):
    other = make_org("oi-z", kind=OrganisationKind.OPERATOR)
    client, _ = token_client(other, "operator_agent")
    response = client.get("/api/v1/network/premises/", {"network": "net-a"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["path"] == "network"
    assert client.get("/api/v1/network/premises/").status_code == 404  # sees no network at all
    assert client.get("/api/v1/networks/").json()["results"] == []
    assert client.get("/api/v1/networks/net-a/").status_code == 404


def test_unknown_network_is_404_like_a_foreign_one(operator_client):
    response = operator_client.get("/api/v1/network/sites/", {"network": "nope"})
    assert response.status_code == 404 and response.json()["errors"][0]["path"] == "network"


def test_operator_of_another_network_does_not_see_this_one(net, token_client):
    build_small_network("net-b", owner="syn-b", operator="oi-b")
    client, _ = token_client(net.network.operator, "operator_agent")
    assert client.get("/api/v1/network/sites/", {"network": "net-b"}).status_code == 404
    assert {n["slug"] for n in client.get("/api/v1/networks/").json()["results"]} == {"net-a"}


def test_network_is_required_when_the_caller_sees_several(net, token_client):
    build_small_network("net-a2", owner="syn-a", operator="oi-a")
    client, _ = token_client(net.network.owner, "crisis_manager")
    response = client.get("/api/v1/network/sites/")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "network"
    assert codes(client.get("/api/v1/network/sites/", {"network": "net-a2"})) == set(SITES)


def test_elected_official_sees_networks_but_not_layers(net, token_client):
    client, _ = token_client(net.network.owner, "elected_official")
    assert [n["slug"] for n in client.get("/api/v1/networks/").json()["results"]] == ["net-a"]
    response = client.get("/api/v1/network/premises/", {"network": "net-a"})
    assert response.status_code == 403 and response.json()["errors"][0]["path"] == "network"
    assert client.get("/api/v1/network/premises/").status_code == 403


def test_anonymous_is_refused(net):
    assert APIClient().get("/api/v1/network/sites/", {"network": "net-a"}).status_code in (401, 403)


def test_session_auth_works_for_the_web_map(net):
    user = get_user_model().objects.create_user("carto", password="x")
    Membership.objects.create(user=user, organisation=net.network.owner, role="viewer")
    client = APIClient()
    client.force_login(user)
    assert codes(client.get("/api/v1/network/sites/", {"network": "net-a"})) == set(SITES)


def test_networks_list_and_detail_with_counts_extent_version(net, token_client):
    client, _ = token_client(net.network.owner, "crisis_manager")
    body = client.get("/api/v1/networks/").json()
    assert [n["slug"] for n in body["results"]] == ["net-a"]
    detail = client.get("/api/v1/networks/net-a/").json()
    assert detail["owner"] == "syn-a" and detail["operator"] == "oi-a" and detail["version"] == 1
    assert detail["counts"] == {"sites": 3, "supports": 6, "routes": 9, "cables": 6, "enclosures": 3,
                                "premises": 9, "nodes": 9, "communes": 1}
    minlon, minlat, maxlon, maxlat = detail["extent"]
    lon, lat = origin_wgs84()
    assert minlon <= lon <= maxlon and minlat <= lat <= maxlat
    assert maxlon - minlon < 0.05 and maxlat - minlat < 0.05  # about 2 km, in degrees


def test_network_summary_follows_the_version(net, token_client):
    client, _ = token_client(net.network.owner, "crisis_manager")
    assert client.get("/api/v1/networks/net-a/").json()["counts"]["premises"] == 9
    Premises.objects.create(network=net.network, code="AD-NEW", geom=Point(170500, 6790500, srid=2154))
    net.network.bump_version()
    detail = client.get("/api/v1/networks/net-a/").json()
    assert detail["counts"]["premises"] == 10 and detail["version"] == 2


def test_layer_list_makes_no_n_plus_one(net, operator_client, django_assert_max_num_queries):
    pbo = net.enclosures["BP-PBO1"]
    Premises.objects.bulk_create(
        Premises(network=net.network, code=f"AD-X-{i}", geom=Point(171000 + i, 6790700, srid=2154),
                 commune_id="29232", pbo=pbo)
        for i in range(200)
    )
    # token authentication (2) + network (1) + count (1) + page (1); the cache may add nothing
    for layer in ("premises", "routes", "cables", "enclosures"):
        with django_assert_max_num_queries(6):
            response = operator_client.get(f"/api/v1/network/{layer}/", {"network": "net-a", "page_size": 1000})
        assert response.status_code == 200
    assert len(response.json()["features"]) == 3


def test_openapi_schema_lists_the_layers(net, operator_client):
    response = operator_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/networks/", "/api/v1/networks/{slug}/", "/api/v1/network/premises/"} <= set(paths)
