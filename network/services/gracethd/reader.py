"""Reading a GraceTHD v2 exchange (directory, zip or GeoPackage) with GDAL through pyogrio.

Spatial tables are shapefiles (or GeoPackage layers) in EPSG:2154, the others `;`-separated UTF-8
CSV. Every value comes back as text ("" when empty) so that the importer validates one way
whatever the driver typed it as; geometries come back as shapely arrays, 2D.
"""
import math
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyogrio import raw

MAX_UNZIPPED_BYTES = 20 * 1024**3  # a zip bomb stops here, a département (a few GB at most) does not


class SourceError(Exception):
    """The exchange cannot be read at all (not a directory/zip, corrupt zip, unsafe member)."""


@dataclass
class Table:
    name: str              # GraceTHD table, e.g. "t_cheminement"
    label: str             # file name used in fault lines, e.g. "t_cheminement.shp"
    rows: list[dict]       # one dict per record, values as text
    geoms: np.ndarray | None = None  # shapely geometries (None where missing), spatial tables only
    crs: str | None = None
    missing_columns: list[str] = field(default_factory=list)
    valid: np.ndarray | None = None  # shapely.is_valid of geoms, computed in one vectorised call

    def __len__(self) -> int:
        return len(self.rows)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()


class GraceSource:
    """A GraceTHD exchange opened for reading: `with GraceSource(path) as src: src.read(...)`."""

    def __init__(self, path):
        self.path = Path(path)
        self._tmp = None
        self.root: Path | None = None
        self.gpkg: Path | None = None
        self._files: dict[str, Path] = {}

    def __enter__(self):
        if self.path.is_dir():
            self.root = self.path
        elif self.path.is_file() and self.path.suffix.lower() == ".gpkg":
            self.gpkg = self.path
        elif self.path.is_file() and zipfile.is_zipfile(self.path):
            self._tmp = tempfile.mkdtemp(prefix="gracethd-")
            self.root = Path(self._tmp)
            self._extract(self.path, self.root)
        else:
            raise SourceError(f"{self.path}: ni un répertoire, ni un zip, ni un GeoPackage")
        if self.root is not None:
            for p in sorted(self.root.rglob("*")):
                if p.is_file():
                    self._files.setdefault(p.name.lower(), p)
            if not any(n.endswith((".shp", ".csv")) for n in self._files):
                gpkgs = [p for n, p in self._files.items() if n.endswith(".gpkg")]
                if gpkgs:
                    self.gpkg = gpkgs[0]
        return self

    def __exit__(self, *exc):
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    @staticmethod
    def _extract(archive: Path, target: Path) -> None:
        try:
            with zipfile.ZipFile(archive) as zf:
                total = 0
                for info in zf.infolist():
                    name = Path(info.filename)
                    if name.is_absolute() or ".." in name.parts:
                        raise SourceError(f"{archive.name}: chemin interdit dans le zip : {info.filename}")
                    total += info.file_size
                    if total > MAX_UNZIPPED_BYTES:
                        raise SourceError(f"{archive.name}: zip trop volumineux une fois décompressé")
                zf.extractall(target)
        except zipfile.BadZipFile as exc:
            raise SourceError(f"{archive.name}: zip illisible ({exc})") from exc

    def locate(self, table: str) -> tuple[str, str | None] | None:
        """(GDAL path, layer) of a table, or None when the exchange does not hold it."""
        if self.gpkg is not None:
            layers = {name.lower(): name for name, _ in pyogrio.list_layers(self.gpkg)}
            return (str(self.gpkg), layers[table]) if table in layers else None
        for ext in (".shp", ".csv"):
            p = self._files.get(table + ext)
            if p is not None:
                return str(p), None
        return None

    def has(self, table: str) -> bool:
        return self.locate(table) is not None

    def read(self, table: str, columns: list[str], spatial: bool = False) -> Table | None:
        """Read the wanted columns of `table`; None if absent from the exchange."""
        where = self.locate(table)
        if where is None:
            return None
        path, layer = where
        is_csv = path.lower().endswith(".csv")
        label = f"{table}.gpkg" if layer else Path(path).name
        options = {"SEPARATOR": "SEMICOLON"} if is_csv else {}
        kwargs = {}
        if path.lower().endswith(".shp") and not Path(path).with_suffix(".cpg").exists():
            kwargs["encoding"] = "UTF-8"  # GraceTHD exchanges are UTF-8
        info = pyogrio.read_info(path, layer=layer, **options)
        present = {f.lower(): f for f in info["fields"]}
        wanted = [present[c] for c in columns if c in present]
        meta, _fids, geometry, values = raw.read(
            path, layer=layer, columns=wanted, read_geometry=spatial and not is_csv, force_2d=True, **options, **kwargs
        )
        names = [f.lower() for f in meta["fields"]]
        n = len(values[0]) if values else (len(geometry) if geometry is not None else info["features"])
        missing = [c for c in columns if c not in present]
        columns_text = [[_text(v) for v in col] for col in values]
        blanks = [""] * n
        by_name = dict(zip(names, columns_text))
        cols = [by_name.get(c, blanks) for c in columns]
        rows = [dict(zip(columns, vals)) for vals in zip(*cols)] if columns else [{} for _ in range(n)]
        geoms = None
        if spatial and not is_csv:
            geoms = shapely.from_wkb(geometry, on_invalid="ignore") if geometry is not None else np.full(n, None, dtype=object)
        table_ = Table(table, label, rows, geoms, info.get("crs"), missing)
        if geoms is not None:
            table_.valid = shapely.is_valid(geoms)
        return table_
