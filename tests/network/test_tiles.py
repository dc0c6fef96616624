"""Vector tiles and TileJSON: content decoded with mapbox-vector-tile, empty tiles, zoom rules
(grid cells of premises and supports, critical sites kept), the per-tile affine map, ETag/304,
scoping (token and session)."""
import mapbox_vector_tile
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from network.services.tiles import TILE_LAYERS
from organisations.models import Membership, OrganisationKind
from tests.builders import ENCLOSURES, SEGMENTS, SITES, SUPPORTS, build_small_network

from .layer_helpers import origin_wgs84, tile_of

MVT = "application/vnd.mapbox-vector-tile"


@pytest.fixture
def net(db):
    return build_small_network()


@pytest.fixture
def client(net, token_client):
    client, _ = token_client(net.network.operator, "operator_agent")
    return client


def tile_url(layer, z, dx=500, dy=-300):
    z, x, y = tile_of(*origin_wgs84(dx, dy), z)
    return f"/tiles/{layer}/{z}/{x}/{y}.pbf"


def decode(response, layer) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == MVT
    return mapbox_vector_tile.decode(response.content)[layer]["features"]


def codes_around(client, layer, key="code", zoom=14):
    """Codes of a layer over the nine tiles around the network (it may straddle a tile edge)."""
    z, x, y = tile_of(*origin_wgs84(500, -300), zoom)
    found = set()
    for tx in (x - 1, x, x + 1):
        for ty in (y - 1, y, y + 1):
            response = client.get(f"/tiles/{layer}/{z}/{tx}/{ty}.pbf", {"network": "net-a"})
            if response.status_code == 200:
                found |= {f["properties"][key] for f in decode(response, layer)}
    return found


ALL_PREMISES = {f"AD-{i}-{j}" for i in (1, 2, 3) for j in (1, 2, 3)}


@pytest.mark.parametrize("layer, expected", [
    ("routes", set(SEGMENTS)), ("sites", set(SITES)), ("supports", set(SUPPORTS)),
    ("enclosures", set(ENCLOSURES)), ("cables", {"CB-T1", "CB-T2", "CB-T3", "CB-D1", "CB-D2", "CB-D3"}),
])
def test_z14_tile_over_quimper_decodes_to_features_with_codes(client, layer, expected):
    assert codes_around(client, layer) == expected


def test_premises_one_by_one_from_z15(client):
    assert codes_around(client, "premises", zoom=15) == ALL_PREMISES
    assert codes_around(client, "premises", key="kind", zoom=15) == {"premises"}


def test_tile_features_carry_the_map_attributes(client):
    response = client.get(tile_url("routes", 14, *[500, -300]), {"network": "net-a"})
    features = decode(response, "routes")
    props = {f["properties"]["code"]: f["properties"] for f in features}
    some = next(iter(props.values()))
    assert {"code", "laying_mode", "status", "length_m"} <= set(some)
    premises = codes_around(client, "premises", key="critical_category", zoom=15)
    assert {"hospital", "town_hall"} <= premises


def test_communes_tile_has_quimper(client):
    assert codes_around(client, "communes", key="insee") == {"29232"}


def test_far_tile_is_empty_204(client):
    z, x, y = tile_of(7.75, 48.58, 14)  # Strasbourg
    response = client.get(f"/tiles/routes/{z}/{x}/{y}.pbf", {"network": "net-a"})
    assert response.status_code == 204 and response.content == b""
    assert response["ETag"]
    assert client.get("/tiles/routes/3/7/1.pbf", {"network": "net-a"}).status_code == 204  # outside France


def test_below_min_zoom_is_empty(client):
    assert TILE_LAYERS["supports"].minzoom == 13
    assert client.get(tile_url("supports", 12), {"network": "net-a"}).status_code == 204


def test_low_zoom_routes_keep_only_transport(client):
    assert TILE_LAYERS["routes"].filter_zoom == 13
    assert codes_around(client, "routes", zoom=12) == {"CM-T1", "CM-T2", "CM-T3a", "CM-T3b"}
    assert codes_around(client, "cables", zoom=12) == {"CB-T1", "CB-T2", "CB-T3"}


def test_low_zoom_premises_keep_only_critical_sites(client):
    assert codes_around(client, "premises", zoom=11) == {"AD-2-1", "AD-3-1"}


def features_around(client, layer, zoom) -> list[tuple]:
    """(tile, feature) over the nine tiles around the network."""
    z, x, y = tile_of(*origin_wgs84(500, -300), zoom)
    found = []
    for tx in (x - 1, x, x + 1):
        for ty in (y - 1, y, y + 1):
            response = client.get(f"/tiles/{layer}/{z}/{tx}/{ty}.pbf", {"network": "net-a"})
            if response.status_code == 200:
                found += [((z, tx, ty), f) for f in decode(response, layer)]
    return found


def premises_in_tile(network, z, x, y) -> list:
    """The network's premises whose point lies in tile z/x/y (exact transform, tile without buffer)."""
    from django.db import connection

    from network.services.geo import tile_bounds_3857

    xmin, ymin, xmax, ymax = tile_bounds_3857(z, x, y)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, housing_units, critical_category FROM network_premises WHERE network_id = %s "
            "AND ST_Transform(geom, 3857) && ST_MakeEnvelope(%s, %s, %s, %s, 3857)",
            [network.pk, xmin, ymin, xmax, ymax])
        return cursor.fetchall()


@pytest.mark.parametrize("zoom", [13, 14])
def test_premises_aggregated_on_a_grid_with_critical_sites_kept(client, net, zoom):
    found = features_around(client, "premises", zoom)
    cells = [(tile, f) for tile, f in found if f["properties"]["kind"] == "cell"]
    singles = [f["properties"] for _, f in found if f["properties"]["kind"] == "premises"]
    assert cells and all("code" not in f["properties"] for _, f in cells)
    assert all(f["properties"]["critical_category"] == "" for _, f in cells)
    # every cell counts the premises of its tile; per tile the counts add up to its premises
    for tile in {tile for tile, _ in cells}:
        expected = premises_in_tile(net.network, *tile)
        in_tile = [f["properties"] for t, f in cells if t == tile]
        assert sum(p["count"] for p in in_tile) == len(expected)
        assert sum(p["households"] for p in in_tile) == sum(row[1] for row in expected)
        assert sum(p["critical"] for p in in_tile) == sum(1 for row in expected if row[2])
        assert all(0 <= f["geometry"]["coordinates"][0] < 4096 and 0 <= f["geometry"]["coordinates"][1] < 4096
                   for t, f in cells if t == tile)
    assert sum(f["properties"]["count"] for _, f in cells) == 9  # each premises in one cell of one tile
    # critical sites are always drawn one by one, with their code and category
    assert {p["code"] for p in singles} == {"AD-2-1", "AD-3-1"}
    assert {p["critical_category"] for p in singles} == {"hospital", "town_hall"}


def test_supports_aggregated_per_cell_and_type_at_z13(client):
    found = [f["properties"] for _, f in features_around(client, "supports", 13)]
    assert {p["kind"] for p in found} == {"cell"}
    by_type = {}
    for p in found:
        by_type[p["support_type"]] = by_type.get(p["support_type"], 0) + p["count"]
    from network.models import SupportPoint

    expected = {}
    for support_type in SupportPoint.objects.filter(code__in=SUPPORTS).values_list("support_type", flat=True):
        expected[support_type] = expected.get(support_type, 0) + 1
    assert by_type == expected
    assert codes_around(client, "supports", key="kind") == {"support"}  # z14: one by one


def test_affine_frame_matches_the_exact_transform(net):
    """From z13 the tile's Lambert-93 → Mercator map is affine, off by less than one grid unit."""
    from django.contrib.gis.geos import Point

    from network.services.geo import tile_frame
    from network.services.tiles import BUFFER, EXTENT, tile_unit_m

    for zoom, tolerance_units in ((13, 1.0), (14, 0.5)):
        z, x, y = tile_of(*origin_wgs84(500, -300), zoom)
        box, affine = tile_frame(z, x, y, BUFFER / EXTENT)
        assert affine is not None
        a, b, d, e, xoff, yoff = affine
        inside = [p for p in net.premises.values() if box[0] <= p.geom.x <= box[2] and box[1] <= p.geom.y <= box[3]]
        assert inside
        for premises in inside:
            lx, ly = premises.geom.x, premises.geom.y
            exact = Point(lx, ly, srid=2154).transform(3857, clone=True)
            assert abs(a * lx + b * ly + xoff - exact.x) < tolerance_units * tile_unit_m(z)
            assert abs(d * lx + e * ly + yoff - exact.y) < tolerance_units * tile_unit_m(z)
    z, x, y = tile_of(*origin_wgs84(), 10)
    box, affine = tile_frame(z, x, y, BUFFER / EXTENT)
    assert box is not None and affine is None  # low zoom: ST_Transform
    assert tile_frame(3, 0, 0) == (None, None)  # outside France


def test_etag_and_304_follow_the_network_version(client, net):
    url = tile_url("routes", 12)
    first = client.get(url, {"network": "net-a"})
    assert first.status_code == 200
    etag = first["ETag"]
    assert "private" in first["Cache-Control"] and "max-age" in first["Cache-Control"]
    again = client.get(url, {"network": "net-a"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    net.network.bump_version()
    changed = client.get(url, {"network": "net-a"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_tilejson(client):
    response = client.get("/tiles/routes.json", {"network": "net-a"})
    assert response.status_code == 200
    body = response.json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"] == ["http://testserver/tiles/routes/{z}/{x}/{y}.pbf?network=net-a"]
    assert body["minzoom"] == TILE_LAYERS["routes"].minzoom and body["maxzoom"] >= 14
    lon, lat = origin_wgs84()
    assert body["bounds"][0] <= lon <= body["bounds"][2] and body["bounds"][1] <= lat <= body["bounds"][3]
    layer = body["vector_layers"][0]
    assert layer["id"] == "routes" and {"code", "laying_mode", "status"} <= set(layer["fields"])
    premises = client.get("/tiles/premises.json", {"network": "net-a"}).json()["vector_layers"][0]["fields"]
    assert {"kind": "String", "count": "Number", "households": "Number", "critical": "Number"}.items() <= premises.items()
    assert {"code", "critical_category"} <= set(premises)


def test_another_operator_gets_nothing(net, token_client, make_org):
    other = make_org("oi-z", kind=OrganisationKind.OPERATOR)
    client, _ = token_client(other, "operator_agent")
    response = client.get(tile_url("premises", 14), {"network": "net-a"}, HTTP_ACCEPT="application/x-protobuf")
    assert response.status_code == 404
    assert response.json()["errors"][0]["path"] == "network"
    assert client.get("/tiles/premises.json", {"network": "net-a"}).status_code == 404


def test_operator_of_another_network_gets_nothing(net, token_client):
    build_small_network("net-b", owner="syn-b", operator="oi-b")
    client, _ = token_client(net.network.operator, "operator_agent")
    assert client.get(tile_url("premises", 14), {"network": "net-b"}).status_code == 404


def test_elected_official_gets_403(net, token_client):
    client, _ = token_client(net.network.owner, "elected_official")
    assert client.get(tile_url("premises", 14), {"network": "net-a"}).status_code == 403


def test_session_auth_works_for_the_web_map(net):
    user = get_user_model().objects.create_user("carte", password="x")
    Membership.objects.create(user=user, organisation=net.network.operator, role="operator_agent")
    client = APIClient()
    client.force_login(user)
    assert decode(client.get(tile_url("sites", 14, 0, 0), {"network": "net-a"}), "sites")
    assert APIClient().get(tile_url("sites", 14, 0, 0), {"network": "net-a"}).status_code in (401, 403)


@pytest.mark.parametrize("url, path", [("/tiles/routes/3/8/0.pbf", "x"), ("/tiles/routes/3/0/8.pbf", "y"),
                                       ("/tiles/routes/23/0/0.pbf", "z")])
def test_tile_outside_the_grid_is_400(client, url, path):
    response = client.get(url, {"network": "net-a"})
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == path


def test_unknown_layer_is_404(client):
    assert client.get("/tiles/poles/14/0/0.pbf", {"network": "net-a"}).status_code == 404


def test_render_tile_service_empty_where_nothing_lies(net):
    from network.services.tiles import render_tile

    z, x, y = tile_of(-3.0, 48.3, 14)  # inside France, far from Quimper: the SQL finds nothing
    assert render_tile(net.network, "routes", z, x, y) == b""
    z, x, y = tile_of(*origin_wgs84(500, 0), 14)
    assert mapbox_vector_tile.decode(render_tile(net.network, "routes", z, x, y))["routes"]["features"]


def test_aggregated_tile_is_the_same_with_st_transform(net, monkeypatch):
    """Where the affine fit is refused (tolerance), the cells come from ST_Transform: same counts."""
    from network.services import tiles

    z, x, y = tile_of(*origin_wgs84(500, -300), 14)

    def counts():
        layer = mapbox_vector_tile.decode(tiles.render_tile(net.network, "premises", z, x, y))["premises"]
        cells = [f["properties"] for f in layer["features"] if f["properties"]["kind"] == "cell"]
        return sorted((p["count"], p["households"], p["critical"]) for p in cells)

    with_affine = counts()
    box, affine = tiles.tile_frame(z, x, y, tiles.BUFFER / tiles.EXTENT)
    assert affine is not None
    monkeypatch.setattr(tiles, "tile_frame", lambda *args: (box, None))
    assert counts() == with_affine and with_affine


def test_low_zoom_tiles_are_shared_per_network_version(net, client):
    """Up to z12 a tile is kept in the shared cache per network version (the tiles' ETag says the
    same); z13 and beyond, and the communes layer, are drawn each time."""
    from network.models import Network, RouteSegment

    url = tile_url("routes", 12)
    first = client.get(url, {"network": "net-a"})
    assert "CM-T1" in {f["properties"]["code"] for f in decode(first, "routes")}
    RouteSegment.objects.filter(network=net.network, code="CM-T1").update(code="CM-T1-RENAMED")  # behind its back
    assert client.get(url, {"network": "net-a"}).content == first.content
    detailed = client.get(tile_url("routes", 14), {"network": "net-a"})
    assert "CM-T1-RENAMED" in {f["properties"]["code"] for f in decode(detailed, "routes")}
    Network.objects.filter(pk=net.network.pk).update(version=net.network.version + 1)  # a new version: new tiles
    again = client.get(url, {"network": "net-a"})
    assert "CM-T1-RENAMED" in {f["properties"]["code"] for f in decode(again, "routes")} and again["ETag"] != first["ETag"]
