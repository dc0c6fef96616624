"""Each asset's commune, computed once per network version (network/services/asset_communes.py),
checked against an independent lookup: GEOS containment of the asset's point in the real IGN
commune boundaries loaded by the migrations."""
import pytest
from django.contrib.gis.geos import LineString, Point

from network.models import AssetCommune, Commune, LayingMode, Node, RouteSegment, Site, SupportPoint
from network.services import asset_communes
from tests.builders import build_small_network

pytestmark = pytest.mark.django_db
KINDS = {RouteSegment: "s", SupportPoint: "p", Site: "t"}


def _expected(geom) -> str:
    point = geom.interpolate_normalized(0.5) if geom.geom_type == "LineString" else geom
    point.srid = 2154
    codes = sorted(Commune.objects.filter(geom__intersects=point).values_list("insee", flat=True))
    return codes[0] if codes else ""


def _tags(network):
    return {(kind, asset_id): insee for kind, asset_id, insee in
            AssetCommune.objects.filter(network=network).values_list("kind", "asset_id", "insee")}


def test_every_asset_gets_the_commune_of_its_point():
    net = build_small_network()
    assert asset_communes.tagged_version(net.network.pk) is None
    counts = asset_communes.assign(net.network.pk)
    assert counts["routesegment"] == len(net.segments) and counts["supportpoint"] == len(net.supports)
    assert counts["site"] == len(net.sites) and counts["version"] == net.network.version
    tags = _tags(net.network)
    for model, kind in KINDS.items():
        rows = list(model.objects.filter(network=net.network))
        assert rows
        for row in rows:
            assert tags[(kind, row.pk)] == _expected(row.geom), (model.__name__, row.code)
    assert set(tags.values()) - {""}, "no commune found at all"
    assert asset_communes.ensure(net.network.pk) is None  # current version: nothing to do


def test_a_new_version_is_computed_again_and_a_point_at_sea_gets_no_commune():
    net = build_small_network()
    asset_communes.assign(net.network.pk)
    # far off Ouessant, in the Atlantic (Lambert-93)
    a = Node.objects.create(network=net.network, code="ND-SEA1", geom=Point(40_000, 6_840_000, srid=2154))
    b = Node.objects.create(network=net.network, code="ND-SEA2", geom=Point(40_100, 6_840_000, srid=2154))
    sea = RouteSegment.objects.create(network=net.network, code="CM-SEA", node1=a, node2=b, laying_mode=LayingMode.CONDUIT,
                                      length_m=100, geom=LineString(a.geom, b.geom, srid=2154))
    assert ("s", sea.pk) not in _tags(net.network)
    net.network.bump_version()
    counts = asset_communes.ensure(net.network.pk)
    assert counts["routesegment"] == len(net.segments) + 1 and counts["outside_communes"] == 1
    assert counts["version"] == net.network.version == asset_communes.tagged_version(net.network.pk)
    assert _tags(net.network)[("s", sea.pk)] == ""
    assert AssetCommune.objects.filter(network=net.network).count() == len(net.segments) + 1 + len(net.supports) + len(net.sites)


def test_a_boundary_reload_forgets_the_rows():
    net = build_small_network()
    asset_communes.assign(net.network.pk)
    asset_communes.reset()
    assert asset_communes.tagged_version(net.network.pk) is None
    assert asset_communes.ensure(net.network.pk)["site"] == len(net.sites)
