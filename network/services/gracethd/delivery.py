"""The delivery as it came (*livrable tel que livré*): every table and field of the last import,
kept as text per row (DeliveredTable / DeliveredRow), so that the export gives back the same
tables, rows, codes and values, and the tables the model does not use (t_fibre, t_cassette,
t_position, t_ropt, t_tiroir, t_baie…) stay queryable per network.

Storing is set-based (one COPY per changed table); a table whose content hash did not change is
left alone, so re-importing an export writes nothing. Writing back: shapefiles for the tables that
came with a geometry (EPSG:2154, the GraceTHD-MCD .prj, UTF-8 with .cpg), `;`-separated UTF-8 CSV
for the others; numbers and dates keep their text (a shapefile's date field is written as text).
"""
import csv
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import shapely
from django.db import connection
from pyogrio import raw

from network.models import DeliveredTable, Network

from .codelists import PRJ_FILE
from .reader import GraceSource, Table


def _digest(t: Table, version: str) -> str:
    h = hashlib.sha256()
    h.update(f"{version}|{t.file_format == 'csv'}|{';'.join(t.fields)}|{t.n}".encode())
    for name in t.fields:
        h.update("\x1f".join(t.columns.get(name, ())).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    if t.geoms is not None:
        for wkb in shapely.to_wkb(t.geoms, hex=True):
            h.update((wkb or "-").encode())
    return h.hexdigest()


def store(cursor, network: Network, source: GraceSource, version: str) -> dict:
    """Make the network's delivered tables those of `source`; counts in tables."""
    existing = {d.name: d for d in DeliveredTable.objects.filter(network=network)}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    names = source.table_names()
    for name in names:
        t = source.table(name)
        if t is None:
            continue
        digest = _digest(t, version)
        d = existing.get(name)
        if d is not None and d.digest == digest:
            counts["unchanged"] += 1
            continue
        if d is None:
            d = DeliveredTable(network=network, name=name)
            counts["created"] += 1
        else:
            cursor.execute("DELETE FROM network_deliveredrow WHERE table_id = %s", [d.pk])
            counts["updated"] += 1
        geometry = t.geometry_type if t.geoms is not None else ""
        d.version, d.file_format, d.fields, d.dtypes = version, t.file_format, t.fields, t.dtypes
        d.geometry_type, d.rows_count, d.digest = geometry, t.n, digest
        d.save()
        _copy_rows(cursor, d.pk, t)
    for name, d in existing.items():
        if name not in names:
            d.delete()
            counts["deleted"] += 1
    return counts


def _copy_rows(cursor, table_id: int, t: Table) -> None:
    fields = t.fields
    columns = [t.columns.get(f, [""] * t.n) for f in fields]
    geoms = [None] * t.n
    if t.geoms is not None:
        geoms = shapely.to_wkb(shapely.set_srid(t.geoms, 2154), hex=True, include_srid=True)
    key = columns[0] if columns else [""] * t.n
    with cursor.copy("COPY network_deliveredrow (table_id, position, code, data, geom) FROM STDIN") as copy:
        for i in range(t.n):
            data = {f: col[i] for f, col in zip(fields, columns) if col[i]}
            copy.write_row((table_id, i + 1, key[i][:254], json.dumps(data, ensure_ascii=False), geoms[i]))


def imported_version(network: Network) -> str | None:
    return DeliveredTable.objects.filter(network=network).values_list("version", flat=True).first()


def is_whole(network: Network) -> bool:
    """Whether the delivered tables are a whole delivery (an import), not only the fibre-level
    tables a generation writes (t_fibre, t_cassette, t_position, t_ropt)."""
    return DeliveredTable.objects.filter(network=network, name="t_noeud").exists()


def write(network: Network, out: Path, exclude: set = frozenset()) -> dict[str, int]:
    """Write the network's delivered tables back into `out` (but those in `exclude`); rows per table."""
    counts = {}
    for d in DeliveredTable.objects.filter(network=network).exclude(name__in=exclude).order_by("name"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT data::text, ST_AsBinary(geom) FROM network_deliveredrow WHERE table_id = %s ORDER BY position",
                           [d.pk])
            rows = cursor.fetchall()
        records = [json.loads(r[0]) for r in rows]
        if d.geometry_type:
            _write_shp(out / f"{d.name}.shp", d, records, [r[1] for r in rows])
        else:
            with open(out / f"{d.name}.csv", "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, delimiter=";", lineterminator="\n")
                writer.writerow(d.fields)
                writer.writerows([rec.get(name, "") for name in d.fields] for rec in records)
        counts[d.name] = len(records)
    return counts


def _number(text: str, kind: str):
    try:
        return int(float(text)) if kind == "int" else float(text)
    except ValueError:
        return None


def _write_shp(path: Path, d: DeliveredTable, records: list[dict], wkbs: list) -> None:
    n = len(records)
    data, masks = [], []
    for name in d.fields:
        kind = d.dtypes.get(name, "text")
        texts = [rec.get(name, "") for rec in records]
        if kind in ("int", "float"):
            values = [_number(t, kind) if t else None for t in texts]
            if any(v is None and t for v, t in zip(values, texts)):
                kind = "text"  # not a number after all: keep the text
            else:
                missing = np.array([v is None for v in values], dtype=bool)
                fill = 0 if kind == "int" else np.nan
                data.append(np.array([fill if v is None else v for v in values], dtype="int64" if kind == "int" else "float64"))
                masks.append(missing)
                continue
        width = min(254, max([len(t.encode()) for t in texts], default=1) or 1)
        data.append(np.array(texts, dtype=f"<U{width}") if n else np.full(0, "", dtype="<U1"))
        masks.append(None)
    geometry = np.array([bytes(w) if w is not None else None for w in wkbs], dtype=object)
    geometry_type = d.geometry_type or "Unknown"
    raw.write(str(path), geometry, data, list(d.fields), field_mask=masks, geometry_type=geometry_type, crs="EPSG:2154",
              encoding="UTF-8", driver="ESRI Shapefile")
    shutil.copyfile(PRJ_FILE, path.with_suffix(".prj"))
