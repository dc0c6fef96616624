"""The quality report written out (*rapport d'anomalies géolocalisé*): CSV (`;`, UTF-8), GeoJSON
(WGS 84, RFC 7946) or GeoPackage (EPSG:2154, loads in QGIS). One record per fault: rule,
severity, reference, table, row, code, field, message, and the geometry it concerns (if any)."""
import csv
import io
from pathlib import Path

import numpy as np
import shapely
from pyogrio import raw

COLUMNS = ["rule", "severity", "reference", "table", "row", "code", "field", "message"]
FORMATS = ("csv", "geojson", "gpkg")


def as_csv(records: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS + ["wkt"])
    for r in records:
        g = r.get("geom")
        writer.writerow([r.get(c, "") for c in COLUMNS] + [g.wkt if g is not None else ""])
    return buf.getvalue()


def write(records: list[dict], path) -> str:
    """Write the report to `path`, its format from the suffix; returns the format."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ValueError(f"{path.name}: format de rapport inconnu (.csv, .geojson ou .gpkg)")
    if kind == "csv":
        path.write_text(as_csv(records), encoding="utf-8")
    else:
        if path.exists():
            path.unlink()
        geoms = np.array([shapely.to_wkb(r["geom"]) if r.get("geom") is not None else None for r in records], dtype=object)
        data = [np.array([str(r.get(c, "")) for r in records], dtype=object) if c != "row"
                else np.array([int(r.get("row") or 0) for r in records], dtype="int64") for c in COLUMNS]
        if kind == "geojson":  # GDAL reprojects to WGS 84 itself under RFC 7946, in one pass
            raw.write(str(path), geoms, data, COLUMNS, driver="GeoJSON", geometry_type="Unknown", crs="EPSG:2154",
                      layer_options={"RFC7946": "YES"})
        else:
            raw.write(str(path), geoms, data, COLUMNS, driver="GPKG", geometry_type="Unknown", crs="EPSG:2154",
                      layer="anomalies")
    return kind


def fault_records(report) -> list[dict]:
    return [{**f.as_dict(), "geom": f.geom} for f in report]
