"""Small coordinate helpers shared by the layers and the tiles: boxes between WGS84 (4326),
Lambert-93 (2154) and Web Mercator (3857), computed once per request in Python so that the SQL
compares the stored 2154 geometries against a constant box (`geom && box`, GiST index) and never
transforms the stored geometry row by row to filter it.
"""
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import LinearRing, Polygon

# Area of use of Lambert-93 (EPSG:2154), in degrees: outside it the projection means nothing and
# nothing of a French network can lie there.
LAMBERT93_AREA = (-9.86, 41.15, 10.38, 51.56)
WEB_MERCATOR_HALF = 20037508.342789244

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


def wgs84_box_to_lambert93(box: tuple) -> tuple | None:
    """The Lambert-93 box covering a WGS84 box, or None when it lies outside France's area."""
    clipped = clip_to_lambert93(box)
    if clipped is None:
        return None
    return densified_extent(Polygon.from_bbox(clipped), 4326, 2154)


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
    clipped = clip_to_lambert93(wgs84)
    if clipped is None:
        return None
    # clipping in degrees first keeps PROJ inside the projection's domain
    return densified_extent(Polygon.from_bbox(clipped), 4326, 2154)


def boxes_meet(a: tuple | None, b: tuple | None) -> bool:
    if a is None or b is None:
        return False
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]
