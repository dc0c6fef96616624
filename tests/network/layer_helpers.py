"""Helpers shared by the layer and tile tests: where the small Quimper network lies."""
import math

from django.contrib.gis.geos import Point

from tests.builders import ORIGIN


def origin_wgs84(dx=0.0, dy=0.0) -> tuple:
    p = Point(ORIGIN[0] + dx, ORIGIN[1] + dy, srid=2154)
    p.transform(4326)
    return p.x, p.y


def tile_of(lon: float, lat: float, z: int) -> tuple:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def bbox_around(dx, dy, half=50.0) -> str:
    """A WGS84 bbox string of about 2×half metres around ORIGIN+(dx, dy)."""
    lo = origin_wgs84(dx - half, dy - half)
    hi = origin_wgs84(dx + half, dy + half)
    return f"{lo[0]},{lo[1]},{hi[0]},{hi[1]}"
