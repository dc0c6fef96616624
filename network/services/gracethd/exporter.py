"""GraceTHD v2 export (*livrable GraceTHD*): a network written as shapefiles (EPSG:2154, .prj of
GraceTHD-MCD) for t_noeud, t_cheminement, t_cableline, t_adresse, t_zpbo, and `;`-separated UTF-8
CSV for t_sitetech, t_ptech, t_cable, t_ebp, t_suf, t_conduite, t_cond_chem, t_cab_cond and
t_organisme. Rows ordered by code, conduits derived one per route segment: the output is
deterministic, so export → import → export gives identical tables. Set-based SQL, one query per
table."""
import csv
import shutil
from pathlib import Path

import numpy as np
from django.db import connection
from pyogrio import raw

from network.models import LayingMode, Network, SupportOwner

from . import delivery
from .codelists import PRJ_FILE, csv_fields, shp_fields
from .importer import CRITICAL_FIELD, ZPBO_PBO_FIELD
from .spec import v3_fields
from .territory import from_storage

AERIAL_CONDUIT_MODES = {LayingMode.AERIAL_TELECOM, LayingMode.AERIAL_POWER, LayingMode.FACADE}
ORGANISMS = {  # pt_prop code written for each SupportOwner (t_organisme rows)
    SupportOwner.RIP: "OR-RIP", SupportOwner.ORANGE: "OR-ORANGE", SupportOwner.ENEDIS: "OR-ENEDIS",
    SupportOwner.OTHER: "OR-AUTRE",
}
SHAPE_TYPES = {"t_noeud": "Point", "t_adresse": "Point", "t_cheminement": "LineString",
               "t_cableline": "LineString", "t_zpbo": "MultiPolygon"}

QUERIES = {
    "t_noeud": ("""SELECT n.code AS nd_code, n.name AS nd_nom, n.node_type AS nd_type, ST_AsBinary(n.geom)
                   FROM network_node n WHERE n.network_id = %(net)s ORDER BY n.code"""),
    "t_cheminement": ("""SELECT s.code AS cm_code, n1.code AS cm_ndcode1, n2.code AS cm_ndcode2, s.status AS cm_statut,
                   s.laying_mode AS cm_typ_imp, s.length_m AS cm_long, ST_AsBinary(s.geom)
                   FROM network_routesegment s JOIN network_node n1 ON n1.id = s.node1_id JOIN network_node n2 ON n2.id = s.node2_id
                   WHERE s.network_id = %(net)s ORDER BY s.code"""),
    "t_cableline": ("""SELECT 'CL-' || c.code AS cl_code, c.code AS cl_cb_code, ST_Length(c.geom) AS cl_long, ST_AsBinary(c.geom)
                   FROM network_cable c WHERE c.network_id = %(net)s AND c.geom IS NOT NULL ORDER BY c.code"""),
    "t_adresse": (f"""SELECT p.code AS ad_code, p.commune_id AS ad_insee, p.address AS ad_nomvoie, p.housing_units AS ad_nblhab,
                   p.business_units AS ad_nblpro, CASE WHEN p.critical_category <> '' THEN 'T' ELSE 'F' END AS ad_prio,
                   p.critical_category AS {CRITICAL_FIELD}, ST_AsBinary(p.geom)
                   FROM network_premises p WHERE p.network_id = %(net)s ORDER BY p.code"""),
    "t_zpbo": (f"""SELECT 'ZP-' || e.code AS zp_code, n.code AS zp_nd_code, e.code AS {ZPBO_PBO_FIELD},
                   ST_AsBinary(ST_Multi(ST_Buffer(ST_ConvexHull(ST_Collect(ST_Collect(p.geom), n.geom)), 10, 2)))
                   FROM network_premises p JOIN network_enclosure e ON e.id = p.pbo_id JOIN network_node n ON n.id = e.node_id
                   WHERE p.network_id = %(net)s GROUP BY e.code, n.code, n.geom ORDER BY e.code"""),
    "t_sitetech": ("""SELECT s.code AS st_code, n.code AS st_nd_code, s.name AS st_nom, s.status AS st_statut,
                   s.physical_type AS st_typephy, s.site_type AS st_typelog
                   FROM network_site s JOIN network_node n ON n.id = s.node_id WHERE s.network_id = %(net)s ORDER BY s.code"""),
    "t_ptech": ("""SELECT p.code AS pt_code, n.code AS pt_nd_code,
                   CASE p.owner WHEN 'ORANGE' THEN 'OR-ORANGE' WHEN 'ENEDIS' THEN 'OR-ENEDIS' WHEN 'OTHER' THEN 'OR-AUTRE'
                                ELSE 'OR-RIP' END AS pt_prop,
                   p.status AS pt_statut, p.state AS pt_etat, p.support_type AS pt_typephy, p.logical_type AS pt_typelog
                   FROM network_supportpoint p JOIN network_node n ON n.id = p.node_id WHERE p.network_id = %(net)s ORDER BY p.code"""),
    "t_cable": ("""SELECT c.code AS cb_code, n1.code AS cb_nd1, n2.code AS cb_nd2, c.status AS cb_statut, 'C' AS cb_typephy,
                   c.role AS cb_typelog, c.capacity AS cb_capafo, c.length_m AS cb_lgreel
                   FROM network_cable c JOIN network_node n1 ON n1.id = c.node1_id JOIN network_node n2 ON n2.id = c.node2_id
                   WHERE c.network_id = %(net)s ORDER BY c.code"""),
    "t_ebp": ("""SELECT e.code AS bp_code, p.code AS bp_pt_code, e.status AS bp_statut, e.enclosure_type AS bp_typelog,
                   e.connection_failure AS bp_racco
                   FROM network_enclosure e LEFT JOIN network_supportpoint p ON p.id = e.support_id
                   WHERE e.network_id = %(net)s ORDER BY e.code"""),
    "t_suf": ("""SELECT COALESCE(NULLIF(p.suf_code, ''), 'SF-' || p.code) AS sf_code, p.code AS sf_ad_code,
                   CASE WHEN e.code IS NULL THEN '' ELSE 'ZP-' || e.code END AS sf_zp_code,
                   CASE WHEN p.housing_units = 0 AND p.business_units > 0 THEN 'P' ELSE 'R' END AS sf_type,
                   p.connection_status AS sf_racco
                   FROM network_premises p LEFT JOIN network_enclosure e ON e.id = p.pbo_id
                   WHERE p.network_id = %(net)s ORDER BY 1"""),
    "t_conduite": (f"""SELECT 'CD-' || s.code AS cd_code, s.status AS cd_statut,
                   CASE WHEN s.laying_mode IN ({', '.join(repr(str(m)) for m in sorted(AERIAL_CONDUIT_MODES))}) THEN 'AER' ELSE 'NC' END AS cd_type,
                   s.length_m AS cd_long
                   FROM network_routesegment s WHERE s.network_id = %(net)s
                   AND EXISTS (SELECT 1 FROM network_cableroute r WHERE r.segment_id = s.id) ORDER BY s.code"""),
    "t_cond_chem": ("""SELECT 'CD-' || s.code AS dm_cd_code, s.code AS dm_cm_code FROM network_routesegment s
                   WHERE s.network_id = %(net)s AND EXISTS (SELECT 1 FROM network_cableroute r WHERE r.segment_id = s.id)
                   ORDER BY s.code"""),
    "t_cab_cond": ("""SELECT c.code AS cc_cb_code, 'CD-' || s.code AS cc_cd_code FROM network_cableroute r
                   JOIN network_cable c ON c.id = r.cable_id JOIN network_routesegment s ON s.id = r.segment_id
                   WHERE c.network_id = %(net)s ORDER BY c.code, r.position"""),
}
EXTENSIONS = {"t_adresse": [(CRITICAL_FIELD, "C", 20, 0)], "t_zpbo": [(ZPBO_PBO_FIELD, "C", 254, 0)]}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write_csv(path: Path, table: str, columns: list[str], rows: list[tuple]) -> None:
    fields = csv_fields(table)
    index = [columns.index(f) if f in columns else None for f in fields]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\n")
        writer.writerow(fields)
        writer.writerows([_cell(row[i]) if i is not None else "" for i in index] for row in rows)


def _write_shp(path: Path, table: str, columns: list[str], rows: list[tuple], spec=None, srid: int = 2154) -> None:
    n = len(rows)
    by_name = {c: [row[i] for row in rows] for i, c in enumerate(columns)}
    names, data, masks = [], [], []
    for name, dbf_type, _length, decimals in spec or (shp_fields(table) + EXTENSIONS.get(table, [])):
        values = by_name.get(name)
        if dbf_type == "N":
            missing = np.array([v is None for v in values], dtype=bool) if values else np.ones(n, dtype=bool)
            if decimals == 0:
                array = np.array([0 if v is None else int(v) for v in values] if values else np.zeros(n), dtype="int64")
            else:
                array = np.array([np.nan if v is None else float(v) for v in values] if values else np.full(n, np.nan), dtype="float64")
            masks.append(missing)
        else:
            # a fixed-width unicode array: pyogrio then declares the .dbf field that wide (in UTF-8 bytes,
            # at most 254) instead of GDAL's default 80 characters for every text field
            texts = [_cell(v) for v in values] if values else []
            width = min(254, max([len(t.encode()) for t in texts], default=1) or 1)
            array = np.array(texts, dtype=f"<U{width}") if texts else np.full(n, "", dtype="<U1")
            masks.append(None)
        names.append(name)
        data.append(array)
    geometry = np.array([bytes(row[-1]) for row in rows], dtype=object)
    if srid != 2154 and len(geometry):  # overseas: written in the territory's legal projection (territory.py)
        geometry = from_storage(geometry, srid)
    raw.write(
        str(path), geometry, data, names, field_mask=masks, geometry_type=SHAPE_TYPES[table], crs=f"EPSG:{srid}",
        encoding="UTF-8", driver="ESRI Shapefile",
    )
    if srid == 2154:
        shutil.copyfile(PRJ_FILE, path.with_suffix(".prj"))  # the GraceTHD-MCD projection file, byte for byte


def _organisms(network: Network) -> list[tuple]:
    owner = network.owner
    return [
        ("OR-AUTRE", "", "AUTRE", ""),
        ("OR-ENEDIS", "444608442", "ENEDIS", ""),
        ("OR-ORANGE", "380129866", "ORANGE", ""),
        ("OR-RIP", owner.siren or "", owner.name, "RIP"),
    ]


V3_QUERIES = {
    "t_noeud": QUERIES["t_noeud"],
    "t_cheminement": QUERIES["t_cheminement"],
    "t_cableline": ("""SELECT c.code AS cl_code, c.code AS cl_cb_code, ST_Length(c.geom) AS cl_long, ST_AsBinary(c.geom)
                   FROM network_cable c WHERE c.network_id = %(net)s AND c.geom IS NOT NULL ORDER BY c.code"""),
    "t_adresse": QUERIES["t_adresse"].replace("p.housing_units AS ad_nblhab", "p.housing_units AS ad_nblres"),
    "t_site": ("""SELECT * FROM (
                   SELECT s.code AS st_code, n.code AS st_nd_code, 'RESEAU' AS st_typelog, s.physical_type AS st_typephy,
                          s.status AS st_statut, '' AS st_ad_code FROM network_site s JOIN network_node n ON n.id = s.node_id
                   WHERE s.network_id = %(net)s
                   UNION ALL
                   SELECT 'ST-' || p.code, '', 'CLIENT', '', '', p.code FROM network_premises p WHERE p.network_id = %(net)s) x
                   ORDER BY 1"""),
    "t_local": ("""SELECT * FROM (
                   SELECT 'LC-' || s.code AS lc_code, s.code AS lc_st_code, s.site_type AS lc_typelog, s.name AS lc_etiquet,
                          s.status AS lc_statut, '' AS lc_bp_codf FROM network_site s WHERE s.network_id = %(net)s
                   UNION ALL
                   SELECT COALESCE(NULLIF(p.suf_code, ''), 'LC-' || p.code), 'ST-' || p.code,
                          CASE WHEN p.housing_units = 0 AND p.business_units > 0 THEN 'PRO' ELSE 'RES' END, '', '',
                          COALESCE(e.code, '')
                   FROM network_premises p LEFT JOIN network_enclosure e ON e.id = p.pbo_id WHERE p.network_id = %(net)s) x
                   ORDER BY 1"""),
    "t_ptech": QUERIES["t_ptech"],
    "t_cable": QUERIES["t_cable"],
    "t_ebp": QUERIES["t_ebp"],
    "t_cab_chem": ("""SELECT c.code AS cc_cb_code, s.code AS cc_cm_code FROM network_cableroute r
                   JOIN network_cable c ON c.id = r.cable_id JOIN network_routesegment s ON s.id = r.segment_id
                   WHERE c.network_id = %(net)s ORDER BY c.code, r.position"""),
}
V3_EXTENSIONS = {"t_zpbo": [], "t_adresse": [CRITICAL_FIELD]}
V3_NUMERIC = {"cm_long", "cl_long", "ad_nblres", "ad_nblpro", "cb_capafo", "cb_lgreel"}


def _write_v3_shp(path: Path, table: str, columns: list[str], rows: list[tuple], srid: int = 2154) -> None:
    fields = v3_fields(table) + [f for f in V3_EXTENSIONS.get(table, []) if f not in v3_fields(table)]
    spec = [(f, "N" if f in V3_NUMERIC else "C", 24, 6 if f.endswith("long") else 0) for f in fields]
    _write_shp(path, table, columns, rows, spec, srid)


def _export_v3(network: Network, out: Path) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table, sql in V3_QUERIES.items():
            cursor.execute(sql, {"net": network.id})
            columns = [d.name for d in cursor.description]
            rows = cursor.fetchall()
            if table in SHAPE_TYPES:
                _write_v3_shp(out / f"{table}.shp", table, columns[:-1], rows, network.local_srid)
            else:
                _write_fields_csv(out / f"{table}.csv", v3_fields(table), columns, rows)
            counts[table] = len(rows)
    _write_fields_csv(out / "t_organisme.csv", v3_fields("t_organisme"), ["or_code", "or_siret", "or_nom", "or_type"],
                      [(c, siren, name, kind) for c, siren, name, kind in _organisms(network)])
    counts["t_organisme"] = 4
    return counts


def _write_fields_csv(path: Path, fields: list[str], columns: list[str], rows: list[tuple]) -> None:
    index = [columns.index(f) if f in columns else None for f in fields]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\n")
        writer.writerow(fields)
        writer.writerows([_cell(row[i]) if i is not None else "" for i in index] for row in rows)


def export_network(network: Network, out_dir, version: str | None = None) -> dict[str, int]:
    """Write `network` as a GraceTHD exchange into `out_dir`; returns rows per table.

    A network imported from a delivery is written back as delivered (every table and field, see
    delivery.py) when `version` is that of the delivery (the default). Otherwise, and for
    generated networks (default v3), the exchange is built from the model."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    delivered = delivery.imported_version(network)
    version = str(version or delivered or "3")
    whole = delivery.is_whole(network)
    if delivered == version and whole:
        return delivery.write(network, out)
    counts = _export_v3(network, out) if version == "3" else _export_v2(network, out)
    if delivered == version and not whole:
        # a generated network: the model's tables plus the fibre-level ones it carries (t_fibre…)
        counts.update(delivery.write(network, out, exclude=set(counts)))
    return counts


def _export_v2(network: Network, out: Path) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table, sql in QUERIES.items():
            cursor.execute(sql, {"net": network.id})
            columns = [d.name for d in cursor.description]
            rows = cursor.fetchall()
            if table in SHAPE_TYPES:
                _write_shp(out / f"{table}.shp", table, columns[:-1], rows, srid=network.local_srid)
            else:
                _write_csv(out / f"{table}.csv", table, columns, rows)
            counts[table] = len(rows)
    _write_csv(out / "t_organisme.csv", "t_organisme", ["or_code", "or_siren", "or_nom", "or_type"], _organisms(network))
    counts["t_organisme"] = 4
    return counts
