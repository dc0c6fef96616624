"""Each asset's commune, computed once per network version (network/services/asset_communes.py),
checked against an independent lookup: GEOS containment of the asset's point in the real IGN
commune boundaries loaded by the migrations."""
import pytest
from django.contrib.gis.geos import LineString, Point

from network.models import Commune, LayingMode, Node, RouteSegment, Site, SiteType, SupportPoint
from network.services import asset_communes
from tests.builders import build_small_network

pytestmark = pytest.mark.django_db


def _expected(geom) -> str:
    point = geom.interpolate_normalized(0.5) if geom.geom_type == "LineString" else geom
    point.srid = 2154
    codes = sorted(Commune.objects.filter(geom__intersects=point).values_list("insee", flat=True))
    return codes[0] if codes else ""


def test_every_asset_gets_the_commune_of_its_point():
    net = build_small_network()
    assert asset_communes.missing(net.network.pk)
    counts = asset_communes.assign(net.network.pk)
    assert counts["routesegment"] == len(net.segments) and counts["supportpoint"] == len(net.supports)
    assert counts["site"] == len(net.sites)
    assert not asset_communes.missing(net.network.pk)
    for model in (RouteSegment, SupportPoint, Site):
        rows = list(model.objects.filter(network=net.network))
        assert rows
        for row in rows:
            assert row.commune_insee == _expected(row.geom), (model.__name__, row.code)
    assert {s.commune_insee for s in RouteSegment.objects.filter(network=net.network)} - {""}, "no commune found at all"


def test_a_point_at_sea_gets_an_empty_commune_and_is_not_looked_up_again():
    net = build_small_network()
    asset_communes.assign(net.network.pk)
    # far off Ouessant, in the Atlantic (Lambert-93)
    a = Node.objects.create(network=net.network, code="ND-SEA1", geom=Point(40_000, 6_840_000, srid=2154))
    b = Node.objects.create(network=net.network, code="ND-SEA2", geom=Point(40_100, 6_840_000, srid=2154))
    RouteSegment.objects.create(network=net.network, code="CM-SEA", node1=a, node2=b, laying_mode=LayingMode.CONDUIT,
                                length_m=100, geom=LineString(a.geom, b.geom, srid=2154))
    Site.objects.create(network=net.network, code="ST-SEA", node=a, site_type=SiteType.SRO, geom=a.geom)
    assert asset_communes.missing(net.network.pk)
    counts = asset_communes.ensure(net.network.pk)
    assert counts["routesegment"] == 1 and counts["site"] == 1 and counts["supportpoint"] == 0
    assert RouteSegment.objects.get(network=net.network, code="CM-SEA").commune_insee == ""
    assert asset_communes.ensure(net.network.pk) is None


def test_a_boundary_reload_forgets_the_tags():
    net = build_small_network()
    asset_communes.assign(net.network.pk)
    asset_communes.reset()
    assert asset_communes.missing(net.network.pk)
    assert set(Site.objects.filter(network=net.network).values_list("commune_insee", flat=True)) == {None}
