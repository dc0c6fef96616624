"""The GraceTHD-MCD v2.0.1 code lists (l_*) and exchange templates shipped in network/data/gracethd/
(GPL-3.0, see its SOURCES.md). Loaded once per process."""
import csv
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "gracethd"
PRJ_FILE = DATA_DIR / "lambert93.prj"


@cache
def code_list(name: str) -> frozenset[str]:
    """The codes of list `name` (e.g. "l_implantation_type")."""
    with open(DATA_DIR / "lists" / f"{name}.csv", encoding="utf-8", newline="") as f:
        return frozenset(row["code"] for row in csv.DictReader(f, delimiter=";"))


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
