"""Small coordinate helpers shared by the layers and the tiles: boxes between WGS84 (4326),
Lambert-93 (2154) and Web Mercator (3857), computed once per request in Python so that the SQL
compares the stored 2154 geometries against a constant box (`geom && box`, GiST index) and never
transforms the stored geometry row by row to filter it.
"""
import math
from functools import lru_cache

from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference
from django.contrib.gis.geos import LinearRing, Polygon

# Area of use of Lambert-93 (EPSG:2154), in degrees: outside it the projection means nothing and
# nothing of a mainland network can lie there.
LAMBERT93_AREA = (-9.86, 41.15, 10.38, 51.56)
# The overseas départements, whose geometries are stored in Lambert-93 coordinates too (one storage
# SRID, docs/architecture.md "Overseas territories"): Lambert-93 is a conformal conic defined over
# the whole globe but the poles, so these boxes transform exactly, only with a scale of 1.0 to 1.9
# that measures undo by working in the territory's own projection (network.models.territory).
OVERSEAS_AREAS = (
    (-62.0, 15.7, -60.8, 16.7),    # Guadeloupe
    (-61.4, 14.2, -60.7, 15.0),    # Martinique
    (-54.8, 1.9, -51.4, 6.0),      # Guyane
    (55.1, -21.5, 56.0, -20.7),    # La Réunion
    (44.8, -13.2, 45.5, -12.5),    # Mayotte
)
FRANCE_AREAS = (LAMBERT93_AREA, *OVERSEAS_AREAS)
WEB_MERCATOR_HALF = 20037508.342789244
EARTH_RADIUS = 6378137.0  # of the Web Mercator sphere

_transforms: dict = {}


def _transform(source: int, target: int) -> CoordTransform:
    key = (source, target)
    if key not in _transforms:
        _transforms[key] = CoordTransform(SpatialReference(source), SpatialReference(target))
    return _transforms[key]


def densified_extent(box: Polygon, source: int, target: int, steps: int = 16) -> tuple:
    """The extent in `target` of a box given in `source`: its edges are cut in `steps` before
    transforming, since a straight edge in one projection is a curve in the other."""
    xmin, ymin, xmax, ymax = box.extent
    ring = []
    for i in range(steps):
        ring.append((xmin + (xmax - xmin) * i / steps, ymin))
    for i in range(steps):
        ring.append((xmax, ymin + (ymax - ymin) * i / steps))
    for i in range(steps):
        ring.append((xmax - (xmax - xmin) * i / steps, ymax))
    for i in range(steps):
        ring.append((xmin, ymax - (ymax - ymin) * i / steps))
    ring.append(ring[0])
    polygon = Polygon(LinearRing(ring), srid=source)
    polygon.transform(_transform(source, target))
    return polygon.extent


def clip_to_lambert93(box: tuple) -> tuple | None:
    """The part of a WGS84 box inside Lambert-93's area of use (None when they do not meet)."""
    xmin, ymin, xmax, ymax = box
    axmin, aymin, axmax, aymax = LAMBERT93_AREA
    xmin, ymin, xmax, ymax = max(xmin, axmin), max(ymin, aymin), min(xmax, axmax), min(ymax, aymax)
    if xmin >= xmax or ymin >= ymax:
        return None
    return (xmin, ymin, xmax, ymax)


def clip_to_france(box: tuple) -> list[tuple]:
    """The parts of a WGS84 box inside mainland France's or an overseas département's area."""
    out = []
    xmin, ymin, xmax, ymax = box
    for axmin, aymin, axmax, aymax in FRANCE_AREAS:
        c = (max(xmin, axmin), max(ymin, aymin), min(xmax, axmax), min(ymax, aymax))
        if c[0] < c[2] and c[1] < c[3]:
            out.append(c)
    return out


def _lambert93_extent(parts: list[tuple]) -> tuple | None:
    """The Lambert-93 box covering every part (mainland first: one part in the common case)."""
    if not parts:
        return None
    extents = [densified_extent(Polygon.from_bbox(p), 4326, 2154) for p in parts]
    return (min(e[0] for e in extents), min(e[1] for e in extents),
            max(e[2] for e in extents), max(e[3] for e in extents))


def wgs84_box_to_lambert93(box: tuple) -> tuple | None:
    """The Lambert-93 box covering a WGS84 box, or None when it lies outside France's area."""
    return _lambert93_extent(clip_to_france(box))


def tile_bounds_3857(z: int, x: int, y: int, buffer: float = 0.0) -> tuple:
    """Web Mercator bounds of XYZ tile z/x/y (y from the top, as in ST_TileEnvelope), widened by
    `buffer` (a fraction of the tile size) on each side."""
    size = 2 * WEB_MERCATOR_HALF / (1 << z)
    xmin = -WEB_MERCATOR_HALF + x * size
    ymax = WEB_MERCATOR_HALF - y * size
    margin = size * buffer
    return (xmin - margin, ymax - size - margin, xmin + size + margin, ymax + margin)


def tile_box_to_lambert93(z: int, x: int, y: int, buffer: float = 0.0) -> tuple | None:
    """The Lambert-93 box covering a tile (and its buffer), or None when it lies outside France."""
    bounds = tile_bounds_3857(z, x, y, buffer)
    wgs84 = densified_extent(Polygon.from_bbox(bounds), 3857, 4326)
    # clipping in degrees first keeps PROJ inside the projection's domain
    return _lambert93_extent(clip_to_france(wgs84))


def boxes_meet(a: tuple | None, b: tuple | None) -> bool:
    if a is None or b is None:
        return False
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _mercator_to_wgs84(mx: float, my: float) -> tuple:
    """Spherical Web Mercator → degrees, in closed form (no PROJ call)."""
    return (math.degrees(mx / EARTH_RADIUS), math.degrees(math.atan(math.sinh(my / EARTH_RADIUS))))


@lru_cache(maxsize=8192)
def tile_frame(z: int, x: int, y: int, buffer: float = 0.0, tolerance: float = 1.0):
    """(Lambert-93 box, affine map Lambert-93 → Web Mercator) of tile z/x/y and its buffer.

    The box covers the tile (edges densified, 16 points each, padded by 1/1000 of the tile) for the
    `geom && box` index lookup; None when the tile lies outside France's area.

    The affine map: over a tile the projection change is nearly affine; in Brittany the best
    affine map is off by at most 0.3 grid unit at z14, 0.6 at z13, 1.2 at z12 (a grid unit is 1/8
    pixel of a 512-pixel tile; the error halves with each zoom). `ST_Affine` with six constants
    costs a few multiplications per vertex where `ST_Transform` calls PROJ (7–30 µs a point under
    load: 40–120 ms for a dense z14 tile). Fitted by least squares on 7×7 points of the tile; None
    (the caller falls back to ST_Transform) when a sample point lands farther than `tolerance` grid
    units from the exact transform — below z13 with the default tolerance of one unit.
    (a, b, d, e, xoff, yoff): x' = a·x + b·y + xoff, y' = d·x + e·y + yoff.

    One PROJ call for all points (Mercator → degrees is done in closed form); a pure function of
    the tile, hence cached.
    """
    # imported here: numpy stays off the start-up path (only the generator and tiles need it)
    import numpy as np

    xmin, ymin, xmax, ymax = tile_bounds_3857(z, x, y, buffer)
    lon0, lat0 = _mercator_to_wgs84(xmin, ymin)
    lon1, lat1 = _mercator_to_wgs84(xmax, ymax)
    if not any(axmin <= lon0 and lon1 <= axmax and aymin <= lat0 and lat1 <= aymax
               for axmin, aymin, axmax, aymax in FRANCE_AREAS):
        # partly or wholly outside France's areas: the careful path, no affine map
        return tile_box_to_lambert93(z, x, y, buffer), None
    steps, edge = 7, 16
    merc = [(xmin + (xmax - xmin) * i / (steps - 1), ymin + (ymax - ymin) * j / (steps - 1))
            for i in range(steps) for j in range(steps)]
    for k in range(1, edge):
        f = k / edge
        merc += [(xmin + (xmax - xmin) * f, ymin), (xmin + (xmax - xmin) * f, ymax),
                 (xmin, ymin + (ymax - ymin) * f), (xmax, ymin + (ymax - ymin) * f)]
    line = OGRGeometry("LINESTRING (%s)" % ",".join(
        "%r %r" % _mercator_to_wgs84(px, py) for px, py in merc), srs=4326)
    line.transform(_transform(4326, 2154))
    src = np.array(line.coords)
    pad_x, pad_y = (src[:, 0].max() - src[:, 0].min()) / 1000, (src[:, 1].max() - src[:, 1].min()) / 1000
    box = (float(src[:, 0].min() - pad_x), float(src[:, 1].min() - pad_y),
           float(src[:, 0].max() + pad_x), float(src[:, 1].max() + pad_y))
    grid, dst = src[:steps * steps], np.array(merc[:steps * steps])
    centre_src, centre_dst = grid.mean(axis=0), dst.mean(axis=0)
    design = np.column_stack([grid - centre_src, np.ones(len(grid))])
    coef, *_ = np.linalg.lstsq(design, dst - centre_dst, rcond=None)
    unit = (xmax - xmin) / (1 + 2 * buffer) / 4096
    if np.abs(design @ coef - (dst - centre_dst)).max() > tolerance * unit:
        return box, None
    (a, d), (b, e), (cx, cy) = coef
    xoff = centre_dst[0] + cx - a * centre_src[0] - b * centre_src[1]
    yoff = centre_dst[1] + cy - d * centre_src[0] - e * centre_src[1]
    return box, tuple(float(v) for v in (a, b, d, e, xoff, yoff))
