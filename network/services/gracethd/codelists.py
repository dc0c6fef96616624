"""The GraceTHD code lists (l_*) and exchange templates: v2.0.1 shipped in network/data/gracethd/
(GPL-3.0, see its SOURCES.md), v3.0.x in network/data/gracethd-v3/ (MIT, see its SOURCES.md).
Loaded once per process."""
import csv
from functools import cache
from pathlib import Path

from .spec import V3_LISTS

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "gracethd"
V3_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "gracethd-v3"
PRJ_FILE = DATA_DIR / "lambert93.prj"
# lists checked in v2 terms even for v3: the v3 view of t_site carries the local's NRO/SRO type
V2_ONLY_LISTS = {"l_site_type_log"}


def list_name(name: str, version: str = "2") -> str:
    """The name of v2 list `name` in `version` (v3 renamed a few; absent ones keep the v2 file)."""
    if version == "3" and name not in V2_ONLY_LISTS:
        v3_name = V3_LISTS.get(name, name)
        if (V3_DATA_DIR / "lists" / f"{v3_name}.csv").exists():
            return v3_name
    return name


@cache
def code_list(name: str, version: str = "2") -> frozenset[str]:
    """The codes of list `name` (e.g. "l_implantation_type", the v2 name) in `version`."""
    real = list_name(name, version)
    v3 = version == "3" and name not in V2_ONLY_LISTS and (V3_DATA_DIR / "lists" / f"{real}.csv").exists()
    path = (V3_DATA_DIR if v3 else DATA_DIR) / "lists" / f"{real}.csv"
    with open(path, encoding="utf-8", newline="") as f:
        return frozenset(row["code"] for row in csv.DictReader(f, delimiter="," if v3 else ";"))


@cache
def csv_fields(table: str) -> list[str]:
    """The header of the CSV exchange table `table` (e.g. "t_ptech")."""
    with open(DATA_DIR / "templates" / f"{table}.csv", encoding="utf-8") as f:
        return f.readline().strip().split(";")


@cache
def shp_fields(table: str) -> list[tuple[str, str, int, int]]:
    """(field, dBASE type C/N/D/L, length, decimals) of the shapefile exchange table `table`."""
    with open(DATA_DIR / "templates" / "shp_fields.csv", encoding="utf-8", newline="") as f:
        return [
            (row["field"], row["dbf_type"], int(row["length"]), int(row["decimals"]))
            for row in csv.DictReader(f, delimiter=";") if row["table"] == table
        ]
