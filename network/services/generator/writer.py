"""Writing a generated network with PostgreSQL COPY (psycopg 3), geometries as hex EWKB.

Ids are drawn up front from each table's sequence so that foreign keys are known before anything
is written: one COPY per table, no per-object ORM save. The caller holds the transaction.
"""
import numpy as np
import shapely

CHUNK = 50_000


def to_storage(xy: np.ndarray, srid: int) -> np.ndarray:
    """Coordinates measured in `srid` (a territory's legal projection) → the storage SRID 2154,
    in one PROJ call (a MultiPoint through GDAL). Identity in mainland France."""
    if srid == 2154 or not len(xy):
        return xy
    from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference

    multi = OGRGeometry(shapely.to_wkb(shapely.multipoints(xy)).hex(), srs=srid)
    multi.transform(CoordTransform(SpatialReference(srid), SpatialReference(2154)))
    return shapely.get_coordinates(shapely.from_wkb(bytes(multi.wkb)))


def ewkb_points(xy: np.ndarray) -> np.ndarray:
    return shapely.to_wkb(shapely.set_srid(shapely.points(xy), 2154), hex=True, include_srid=True)


def ewkb_lines(coords: np.ndarray, indices: np.ndarray) -> np.ndarray:
    lines = shapely.linestrings(coords, indices=indices)
    return shapely.to_wkb(shapely.set_srid(lines, 2154), hex=True, include_srid=True)


def codes(prefix: str, n: int) -> np.ndarray:
    """GraceTHD-style codes: prefix + département + 8-digit sequence (ND2900000001…)."""
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), 8))


def reserve_ids(cursor, table: str, n: int) -> np.ndarray:
    """n ids drawn from the table's own sequence, so foreign keys are known before anything is
    written. No table lock: concurrent inserts elsewhere keep their own ids (the block may then
    have gaps, which is harmless)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # Usually one contiguous block: only its bounds travel (fetching 2.5 million ids one row each
    # took 23 s at 300 000 premises); all of them only when another writer interleaved.
    cursor.execute(
        """SELECT min(v), max(v), count(*), CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL ELSE array_agg(v ORDER BY v) END
           FROM (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS v FROM generate_series(1, %s)) ids""",
        [table, n],
    )
    low, high, count, ids = cursor.fetchone()
    if ids is None and high - low + 1 == count == n:
        return np.arange(low, high + 1, dtype=np.int64)
    return np.array(ids, dtype=np.int64)


def _text(column) -> list[str]:
    """Text of one chunk of a column. Object arrays (EWKB hex, names) pass through: converting them
    to numpy fixed-width strings would size every row like the longest cable."""
    arr = np.asarray(column)
    if arr.dtype.kind == "f":
        return np.char.mod("%.3f", arr).tolist()
    if arr.dtype.kind == "O":
        return [str(v) for v in arr.tolist()]
    return arr.astype(str).tolist()


def copy_rows(cursor, table: str, columns: dict) -> int:
    """COPY the columns (name → array of equal length, or a scalar) into table, in text format,
    chunk by chunk. Values are generated (codes, numbers, fixed French labels, commune names): no
    tab, newline or backslash."""
    n = max(len(v) for v in columns.values() if not np.isscalar(v))
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        for start in range(0, n, CHUNK):
            size = min(CHUNK, n - start)
            part = [[str(v)] * size if np.isscalar(v) else _text(v[start:start + size]) for v in columns.values()]
            copy.write("".join("\t".join(row) + "\n" for row in zip(*part)))
    return n
