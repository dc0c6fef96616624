"""Writing a generated network with PostgreSQL COPY (psycopg 3), geometries as hex EWKB.

Ids are reserved up front from each table's sequence (under a table lock, so concurrent inserts
cannot interleave) so that foreign keys are known before anything is written: one COPY per table,
no per-object ORM save. The caller holds the transaction.
"""
import numpy as np
import shapely

CHUNK = 50_000


def ewkb_points(xy: np.ndarray) -> np.ndarray:
    return shapely.to_wkb(shapely.set_srid(shapely.points(xy), 2154), hex=True, include_srid=True)


def ewkb_lines(coords: np.ndarray, indices: np.ndarray) -> np.ndarray:
    lines = shapely.linestrings(coords, indices=indices)
    return shapely.to_wkb(shapely.set_srid(lines, 2154), hex=True, include_srid=True)


def codes(prefix: str, n: int) -> np.ndarray:
    """GraceTHD-style codes: prefix + département + 8-digit sequence (ND2900000001…)."""
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), 8))


def ids(first: int, n: int) -> np.ndarray:
    return np.arange(first, first + n, dtype=np.int64)


def reserve_ids(cursor, table: str, n: int) -> int:
    """First id of a block of n consecutive ids taken from the table's sequence."""
    cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    seq = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [seq])
    first = cursor.fetchone()[0]
    if n > 1:
        cursor.execute("SELECT setval(%s, %s)", [seq, first + n - 1])
    return first


def _text(column) -> np.ndarray:
    arr = np.asarray(column)
    if arr.dtype.kind == "f":
        return np.char.mod("%.3f", arr)
    if arr.dtype.kind == "b":
        return np.where(arr, "t", "f")
    return arr.astype(str)


def copy_rows(cursor, table: str, columns: dict) -> int:
    """COPY the columns (name → array of equal length, or a scalar) into table, in text format.
    Values are generated (codes, numbers, fixed French labels): no tab, newline or backslash."""
    n = max(len(v) for v in columns.values() if not np.isscalar(v))
    cols = [np.full(n, str(v)) if np.isscalar(v) else _text(v) for v in columns.values()]
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        for start in range(0, n, CHUNK):
            part = [c[start:start + CHUNK].tolist() for c in cols]
            copy.write("".join("\t".join(row) + "\n" for row in zip(*part)))
    return n
