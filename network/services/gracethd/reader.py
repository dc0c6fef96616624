"""Reading a GraceTHD exchange (v2.0.1 or v3.0.x; directory, zip or GeoPackage), whatever state it
arrives in.

Shapefiles and GeoPackage layers are read with GDAL through pyogrio; a `.dbf` without `.cpg` is
decoded as Windows-1252, as GraceTHD prescribes (MCD constraint co_1_f00006 "Les fichiers au format
ESRI shapefile sont encodés en Win1252"). CSV tables (co_1_f00005: UTF-8, `;`) are read with the
standard library so that a broken file gives a fault with its line instead of a GDAL error: UTF-8
with or without BOM, CRLF or LF; a file that is not UTF-8 is read as Windows-1252 with a warning.
File names match in any case. Every value comes back as text ("" when empty); geometries as shapely
arrays, 2D.

Hostile input: a file over `GRACETHD_MAX_FILE_BYTES`, an archive whose entries would unpack beyond
`GRACETHD_MAX_UNZIPPED_BYTES` or `GRACETHD_MAX_ZIP_RATIO` times their compressed size, an entry
outside the archive's folder, a truncated shapefile: one blocking fault each, never an exception.
Archives are unpacked entry by entry in chunks (the sizes declared in the zip are not trusted), into
a temporary folder that is removed whatever happens.
"""
import codecs
import csv
import io
import math
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from django.conf import settings
from pyogrio import raw

from .quality import Report

CHUNK = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 512 * 1024**2        # one table file; the largest real t_fibre.csv of a département is far below
DEFAULT_MAX_UNZIPPED_BYTES = 8 * 1024**3       # a whole département unpacked
DEFAULT_MAX_ZIP_RATIO = 200                    # shapefiles and CSV compress 5 to 20 times; a bomb a thousand
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def limits() -> tuple[int, int, int]:
    return (getattr(settings, "GRACETHD_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES),
            getattr(settings, "GRACETHD_MAX_UNZIPPED_BYTES", DEFAULT_MAX_UNZIPPED_BYTES),
            getattr(settings, "GRACETHD_MAX_ZIP_RATIO", DEFAULT_MAX_ZIP_RATIO))


class SourceError(Exception):
    """The exchange cannot be opened at all; the message is a `FILE:ROW: FIELD: reason` line."""

    def __init__(self, line: str, rule: str = "file.unreadable"):
        super().__init__(line)
        self.rule = rule


@dataclass
class Table:
    name: str              # GraceTHD table, e.g. "t_cheminement"
    label: str             # file name used in fault lines, e.g. "t_cheminement.shp"
    fields: list[str]      # every column, in file order, lower case
    columns: dict          # field -> list of text values
    n: int
    geoms: np.ndarray | None = None  # shapely geometries (None where missing), spatial tables only
    crs: str | None = None
    geometry_type: str = ""
    dtypes: dict = field(default_factory=dict)  # field -> "int" | "float" | "text" (shapefile write-back)
    file_format: str = "csv"
    valid: np.ndarray | None = None  # shapely.is_valid of geoms, computed in one vectorised call
    rows: list = field(default_factory=list)  # the validator's view: one dict per record (wanted columns)
    missing_columns: list = field(default_factory=list)

    def __len__(self) -> int:
        return self.n

    def view(self, columns: list[str]) -> "Table":
        blanks = [""] * self.n
        cols = [self.columns.get(c, blanks) for c in columns]
        rows = [dict(zip(columns, vals)) for vals in zip(*cols)] if columns else [{} for _ in range(self.n)]
        return Table(self.name, self.label, self.fields, self.columns, self.n, self.geoms, self.crs,
                     self.geometry_type, self.dtypes, self.file_format, self.valid, rows,
                     [c for c in columns if c not in self.columns])


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value.astype("datetime64[s]")).replace("T00:00:00", "").replace("T", " ")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()


def _dtype(array) -> str:
    kind = getattr(array, "dtype", np.dtype(object)).kind
    return {"i": "int", "u": "int", "f": "float"}.get(kind, "text")


class GraceSource:
    """A GraceTHD exchange opened for reading: `with GraceSource(path, report) as src: src.read(...)`.
    Opening problems raise SourceError (the temporary folder already removed)."""

    def __init__(self, path, report: Report | None = None):
        self.path = Path(path)
        self.report = report if report is not None else Report()
        self._tmp = None
        self.root: Path | None = None
        self.gpkg: Path | None = None
        self._files: dict[str, Path] = {}
        self._cache: dict[str, Table | None] = {}
        self.views: dict[str, Table] = {}  # tables as the validator sees them (v3 seen as v2), see v3.py
        self._layers = None
        self.max_file, self.max_unzipped, self.max_ratio = limits()

    def __enter__(self):
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def _open(self):
        if self.path.is_dir():
            self.root = self.path
        elif self.path.is_file() and self.path.suffix.lower() == ".gpkg":
            self.gpkg = self.path
        elif self.path.is_file() and zipfile.is_zipfile(self.path):
            self._tmp = tempfile.mkdtemp(prefix="gracethd-")
            self.root = Path(self._tmp)
            self._extract(self.path, self.root)
        else:
            raise SourceError(f"{self.path.name}:0: -: ni un répertoire, ni un zip, ni un GeoPackage")
        if self.root is not None:
            for p in sorted(self.root.rglob("*")):
                if p.is_file() and not p.name.startswith("._"):
                    self._files.setdefault(p.name.lower(), p)
            if not any(n.endswith((".shp", ".csv")) for n in self._files):
                gpkgs = [p for n, p in self._files.items() if n.endswith(".gpkg")]
                if gpkgs:
                    self.gpkg = gpkgs[0]

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _extract(self, archive: Path, target: Path) -> None:
        """Unpack entry by entry, counting the bytes really written against the limits."""
        label = archive.name
        try:
            with zipfile.ZipFile(archive) as zf:
                infos = zf.infolist()
                declared = sum(i.file_size for i in infos)
                compressed = max(1, sum(i.compress_size for i in infos))
                if declared > self.max_unzipped or declared > self.max_ratio * max(compressed, CHUNK):
                    raise SourceError(f"{label}:0: -: archive refusée : {declared} octets une fois décompressée pour "
                                      f"{compressed} compressés (limites {self.max_unzipped} octets, taux {self.max_ratio})",
                                      "archive.limits")
                total = 0
                for info in infos:
                    name = Path(info.filename)
                    if name.is_absolute() or ".." in name.parts or info.filename.startswith(("/", "\\")):
                        raise SourceError(f"{label}:0: -: chemin interdit dans le zip : {info.filename}", "archive.unsafe")
                    if info.is_dir():
                        continue
                    out_path = target / name
                    out_path.parent.mkdir(parents=True, exist_ok=True)
                    written = 0
                    with zf.open(info) as src, open(out_path, "wb") as out:
                        while chunk := src.read(CHUNK):
                            written += len(chunk)
                            total += len(chunk)
                            if (written > self.max_file and name.suffix.lower() != ".gpkg") or total > self.max_unzipped \
                                    or total > self.max_ratio * max(compressed, CHUNK):
                                raise SourceError(f"{label}:0: {info.filename}: archive refusée : dépasse les limites de "
                                                  f"décompression ({self.max_unzipped} octets, taux {self.max_ratio}, "
                                                  f"{self.max_file} octets par fichier)", "archive.limits")
                            out.write(chunk)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
            raise SourceError(f"{label}:0: -: zip illisible ({type(exc).__name__}: {exc})") from exc

    # -- which tables --------------------------------------------------------------------------
    def layers(self) -> dict[str, str]:
        if self._layers is None:
            self._layers = {}
            if self.gpkg is not None:
                try:
                    self._layers = {name.lower(): name for name, _ in pyogrio.list_layers(self.gpkg)}
                except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds; any is a fault line
                    self.report.add(self.gpkg.name, 0, "-", f"GeoPackage illisible ({exc})", "file.unreadable")
        return self._layers

    def table_names(self) -> list[str]:
        """Every `t_*` table of the exchange (lower case)."""
        if self.gpkg is not None:
            return sorted(n for n in self.layers() if n.startswith("t_"))
        names = {n.rsplit(".", 1)[0] for n in self._files if n.endswith((".shp", ".csv")) and n.startswith("t_")}
        return sorted(names)

    def locate(self, table: str) -> tuple[str, str | None] | None:
        """(path, layer) of a table, or None when the exchange does not hold it."""
        if self.gpkg is not None:
            layer = self.layers().get(table)
            return (str(self.gpkg), layer) if layer else None
        for ext in (".shp", ".csv"):
            p = self._files.get(table + ext)
            if p is not None:
                return str(p), None
        return None

    def has(self, table: str) -> bool:
        return self.locate(table) is not None

    # -- reading -------------------------------------------------------------------------------
    def table(self, table: str) -> Table | None:
        """The whole table (every column), read once; None if absent or unreadable (fault given)."""
        if table not in self._cache:
            where = self.locate(table)
            self._cache[table] = None if where is None else self._read(table, *where)
        return self._cache[table]

    def read(self, table: str, columns: list[str], spatial: bool = False) -> Table | None:
        """The validator's view of `table`: its rows restricted to `columns`."""
        t = self.views.get(table) or self.table(table)
        return None if t is None else t.view(columns)

    def _read(self, table: str, path: str, layer: str | None) -> Table | None:
        label = f"{table}.gpkg" if layer else Path(path).name
        try:
            if not layer and Path(path).stat().st_size > self.max_file:
                self.report.add(label, 0, "-", f"fichier trop volumineux ({Path(path).stat().st_size} octets, "
                                f"au plus {self.max_file})", "file.too_large")
                return None
            if path.lower().endswith(".csv"):
                return self._read_csv(table, label, Path(path))
            return self._read_ogr(table, label, path, layer)
        except Exception as exc:  # noqa: BLE001 - whatever GDAL or the file does, one fault line
            reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            self.report.add(label, 0, "-", f"fichier illisible ({reason})", "file.unreadable")
            return None

    def _read_csv(self, table: str, label: str, path: Path) -> Table:
        encoding, bad_line = "utf-8-sig", None
        decoder = codecs.getincrementaldecoder("utf-8")()
        line = 1
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    text_before = chunk[:exc.start]
                    bad_line = line + text_before.count(b"\n")
                    encoding = "cp1252"
                    break
                line += chunk.count(b"\n")
        if bad_line is not None:
            self.report.add(label, bad_line, "-", "fichier non UTF-8 : lu en Windows-1252", "file.encoding")
        with open(path, "rb") as f:
            text = io.TextIOWrapper(f, encoding=encoding, errors="replace", newline="")
            reader = csv.reader(text, delimiter=";")
            header = next(reader, None)
            if header is None:
                return Table(table, label, [], {}, 0)
            fields = [h.strip().lower() for h in header]
            width = len(fields)
            values = [[] for _ in fields]
            n = 0
            for n, row in enumerate(reader, start=1):
                if len(row) != width:
                    if not any(c.strip() for c in row):
                        n -= 1
                        continue
                    self.report.add(label, n, "-", f"{len(row)} champs, {width} attendus", "row.width")
                    row = (row + [""] * width)[:width]
                for j, v in enumerate(row):
                    values[j].append(v.strip())
            n = len(values[0]) if values else n
        return Table(table, label, fields, dict(zip(fields, values)), n, file_format="csv")

    def _read_ogr(self, table: str, label: str, path: str, layer: str | None) -> Table:
        kwargs = {}
        if path.lower().endswith(".shp") and not Path(path).with_suffix(".cpg").exists() \
                and not self._files.get(Path(path).with_suffix(".cpg").name.lower()):
            kwargs["encoding"] = "cp1252"  # GraceTHD-MCD co_1_f00006: shapefiles are Win1252
        info = pyogrio.read_info(path, layer=layer, **kwargs)
        meta, _fids, geometry, values = raw.read(path, layer=layer, force_2d=True, **kwargs)
        fields = [f.lower() for f in meta["fields"]]
        n = len(values[0]) if values else (len(geometry) if geometry is not None else info["features"])
        columns = {name: [_text(v) for v in col] for name, col in zip(fields, values)}
        dtypes = {name: _dtype(col) for name, col in zip(fields, values)}
        geoms = None
        if geometry is not None:
            geoms = shapely.from_wkb(geometry, on_invalid="ignore")
        t = Table(table, label, fields, columns, n, geoms, info.get("crs"), meta.get("geometry_type") or "",
                  dtypes, "gpkg" if layer else "shp")
        if geoms is not None:
            t.valid = shapely.is_valid(geoms)
        return t
