"""The table specification of the GraceTHD exchange, both versions: which tables exist in v2.0.1
and v3.0.x, their key, their geometry, and for each field the model uses, the code list that
checks it. The reader's version detection, the validator (code lists, geometry kinds), the
delivery store and the exporter (table names, shapefile or CSV, field lists) all read it.

v2.0.1 field lists: the GraceTHD-MCD templates (network/data/gracethd/templates/); v3.0.x: the
public control suite's type parameters (network/data/gracethd-v3/fields.csv, from
param_ctrl_type.csv, with the sample's column order first).
"""
import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

V3_DIR = Path(__file__).resolve().parents[2] / "data" / "gracethd-v3"


@dataclass(frozen=True)
class TableSpec:
    v2: str | None           # table name in v2.0.1 (None: v3 only)
    v3: str | None           # table name in v3.0.x (None: v2 only)
    key: str                 # code field (v2 name)
    geometry: str = ""       # "Point", "LineString", "MultiPolygon" for spatial tables
    lists: dict = field(default_factory=dict)  # v2 field -> v2 code list name


TABLES = [
    TableSpec("t_noeud", "t_noeud", "nd_code", "Point", {"nd_type": "l_noeud_type"}),
    TableSpec("t_cheminement", "t_cheminement", "cm_code", "LineString",
              {"cm_typ_imp": "l_implantation_type", "cm_statut": "l_statut"}),
    TableSpec("t_cableline", "t_cableline", "cl_code", "LineString"),
    TableSpec("t_adresse", "t_adresse", "ad_code", "Point"),
    TableSpec("t_zpbo", None, "zp_code", "MultiPolygon"),
    TableSpec("t_znro", "t_znro", "zn_code", "MultiPolygon"),
    TableSpec("t_zsro", "t_zsro", "zs_code", "MultiPolygon"),
    TableSpec("t_sitetech", "t_site", "st_code", "",
              {"st_typelog": "l_site_type_log", "st_typephy": "l_site_type_phy", "st_statut": "l_statut"}),
    TableSpec("t_ltech", "t_local", "lt_code"),
    TableSpec("t_suf", None, "sf_code", "", {"sf_racco": "l_suf_racco", "sf_type": "l_suf_type"}),
    TableSpec("t_ptech", "t_ptech", "pt_code", "",
              {"pt_typephy": "l_ptech_type_phy", "pt_typelog": "l_ptech_type_log", "pt_etat": "l_etat_type",
               "pt_statut": "l_statut"}),
    TableSpec("t_cable", "t_cable", "cb_code", "", {"cb_typelog": "l_infra_type_log", "cb_statut": "l_statut"}),
    TableSpec("t_ebp", "t_ebp", "bp_code", "",
              {"bp_typelog": "l_bp_type_log", "bp_statut": "l_statut", "bp_racco": "l_bp_racco"}),
    TableSpec("t_conduite", None, "cd_code", "", {"cd_type": "l_conduite_type", "cd_statut": "l_statut"}),
    TableSpec("t_cond_chem", None, "dm_cd_code"),
    TableSpec("t_cab_cond", None, "cc_cb_code"),
    TableSpec(None, "t_cab_chem", "cc_cb_code"),
    TableSpec("t_organisme", "t_organisme", "or_code"),
]
BY_V2 = {t.v2: t for t in TABLES if t.v2}

# v2 code list -> its v3 name (lists absent from v3 keep the v2 file)
V3_LISTS = {"l_implantation_type": "l_implantation", "l_etat_type": "l_etat", "l_infra_type_log": "l_cable_chem_type_log"}
V3_MARKERS = {"t_local", "t_site", "t_cab_chem", "t_tranchee", "t_pointaccueil", "t_point_leve"}
V2_MARKERS = {"t_suf", "t_sitetech", "t_cab_cond", "t_cond_chem", "t_ltech", "t_conduite", "t_zpbo"}
# the tables a v2 / v3 delivery must hold: a forgotten file must not erase a layer
REQUIRED = {
    "2": ["t_noeud", "t_cheminement", "t_sitetech", "t_ptech", "t_cable", "t_ebp", "t_adresse", "t_suf"],
    "3": ["t_noeud", "t_cheminement", "t_site", "t_local", "t_ptech", "t_cable", "t_ebp", "t_adresse"],
}


def detect_version(tables: list[str]) -> tuple[str, bool]:
    """("2" | "3", mixed) from the tables present: v3 when it holds t_local / t_site / t_cab_chem…"""
    names = set(tables)
    v3, v2 = len(names & V3_MARKERS), len(names & V2_MARKERS)
    return ("3" if v3 > v2 else "2"), bool(v3 and v2)


@cache
def v3_fields(table: str) -> list[str]:
    """The v3.0.x field list of `table` (empty when unknown)."""
    with open(V3_DIR / "fields.csv", encoding="utf-8", newline="") as f:
        return [row["field"] for row in csv.DictReader(f, delimiter=";") if row["table"] == table]
