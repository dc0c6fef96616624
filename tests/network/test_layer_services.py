"""Layer and tile services without HTTP: bbox parsing and boxes, querysets, summary cache."""
import pytest
from django.contrib.gis.geos import Point

from network.models import Premises
from network.services.geo import tile_box_to_lambert93, wgs84_box_to_lambert93
from network.services.layers import BBoxError, layer_queryset, parse_bbox
from network.services.summary import network_summary
from network.services.tiles import render_tile
from tests.builders import ORIGIN, SEGMENTS, build_small_network

from .layer_helpers import origin_wgs84, tile_of


def test_parse_bbox_reads_four_degrees_and_says_why_it_refuses():
    assert parse_bbox(" -4.2, 47.9 ,-4.0,48.1") == (-4.2, 47.9, -4.0, 48.1)
    with pytest.raises(BBoxError, match="minimum"):
        parse_bbox("-4,48,-5,49")
    with pytest.raises(BBoxError, match="latitudes"):
        parse_bbox("-4,-91,-3,48")


def test_wgs84_box_covers_its_lambert93_counterpart():
    lon, lat = origin_wgs84()
    box = wgs84_box_to_lambert93((lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01))
    assert box[0] < ORIGIN[0] < box[2] and box[1] < ORIGIN[1] < box[3]
    assert wgs84_box_to_lambert93((100, 10, 110, 20)) is None  # Asia: outside Lambert-93's area
    assert tile_box_to_lambert93(3, 0, 0) is None  # north-west Pacific tile


def test_layer_queryset_filters_with_the_box_not_a_per_row_transform(db):
    net = build_small_network()
    lon, lat = origin_wgs84()
    queryset = layer_queryset("routes", net.network, (lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05))
    assert set(queryset.values_list("code", flat=True)) == set(SEGMENTS)
    sql = str(queryset.query)
    assert '"geom" &&' in sql and "ST_Transform(\"network_routesegment\".\"geom\", 4326)" not in sql.split("WHERE")[1]


def test_summary_is_cached_per_version(db):
    net = build_small_network()
    assert network_summary(net.network).counts["premises"] == 9
    Premises.objects.create(network=net.network, code="AD-NEW", geom=Point(ORIGIN[0], ORIGIN[1] + 50, srid=2154))
    assert network_summary(net.network).counts["premises"] == 9  # same version: cached figures
    net.network.bump_version()
    assert network_summary(net.network).counts["premises"] == 10


def test_render_tile_below_min_zoom_makes_no_query(db, django_assert_num_queries):
    net = build_small_network()
    z, x, y = tile_of(*origin_wgs84(), 10)
    with django_assert_num_queries(0):
        assert render_tile(net.network, "supports", z, x, y) == b""
