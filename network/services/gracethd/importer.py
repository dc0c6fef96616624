"""GraceTHD v2 import (*intégration d'un livrable GraceTHD*): validate everything, then write it
all in ONE transaction with set-based SQL (COPY into temporary tables, INSERT … ON CONFLICT, DELETE
… NOT EXISTS). No per-row ORM query: designed for 300 k premises and 250 k route segments.

An import is the full state of the network: objects absent from the exchange are removed.
Re-importing the same exchange changes nothing (upsert on the GraceTHD codes, no-op updates are
skipped) and does not bump `Network.version`; a real change bumps it once.

Every rejected row becomes one fault line `FILE:ROW: FIELD: reason` (ROW = record number, 1 for
the first record; 0 for the file itself); all faults are collected before refusing.
"""
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
import shapely.errors
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from core.audit import record
from core.models import AuditEvent
from network.models import (
    CableRole, Commune, ConnectionStatus, CriticalCategory, EnclosureType, Network, SiteType, SupportOwner,
)
from organisations.models import Organisation, OrganisationKind

from network.services.boundaries import former_codes

from . import delivery, v3
from .codelists import code_list, list_name as _list_name
from .quality import Report
from .reader import GraceSource, SourceError, Table
from .spec import BY_V2, REQUIRED, detect_version, v3_fields
from .territory import DeliveryProjection

V3_TABLES = {"t_noeud", "t_cheminement", "t_cableline", "t_adresse", "t_ptech", "t_cable", "t_ebp", "t_organisme", "t_cab_chem"}

logger = logging.getLogger(__name__)
ORANGE_SIRENS, ENEDIS_SIRENS = {"380129866"}, {"444608442"}
ORANGE_NAMES, ENEDIS_NAMES = ("ORANGE", "FRANCE TELECOM"), ("ENEDIS", "ERDF")
CRITICAL_FIELD = "ad_critcat"  # Vigie Fibre extension column of t_adresse (sites sensibles)
ZPBO_PBO_FIELD = "zp_bp_code"  # Vigie Fibre extension column of t_zpbo: the PBO (bp_code) serving the zone
SUF_PBO_FIELD = "sf_bp_code"   # column of the v3 view of t_local as t_suf: the PBO named by lc_bp_codf
OPTIONAL_COLUMNS = {CRITICAL_FIELD, ZPBO_PBO_FIELD, SUF_PBO_FIELD, "bp_sf_code", "bp_lc_code", "or_siren", "or_siret",
                    "nd_type", "nd_nom", "sf_nd_code", "ad_nblhab", "ad_rep", "ad_numero", "cm_long", "cb_lgreel"}


class ImportRefused(Exception):
    """The exchange was refused; `faults` holds one `FILE:ROW: FIELD: reason` line per blocking
    fault, `report` the whole quality report (every severity)."""

    def __init__(self, faults: list[str], report: Report | None = None):
        super().__init__(f"{len(faults)} fault(s)")
        self.faults = faults
        self.report = report if report is not None else Report()


@dataclass
class ImportResult:
    network: Network
    network_created: bool
    changed: bool
    rows_total: int
    counts: dict = field(default_factory=dict)  # model -> {created, updated, unchanged, deleted}
    seconds: float = 0.0
    report: Report = field(default_factory=Report)
    version: str = "2"


def _int(value: str):
    try:
        number = int(float(value.replace(",", ".")))
    except ValueError:
        return None
    return number if number >= 0 and float(value.replace(",", ".")) == number else None


def _float(value: str):
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    return number if number >= 0 and number == number and number != float("inf") else None


def _true(value: str) -> bool:
    return value.strip().lower() in ("t", "true", "1", "y", "yes", "o", "oui", "v", "vrai")


KEY_COLUMNS = {t.key for t in BY_V2.values()}


class Validator:
    """Turns the exchange's tables into staging rows, collecting every fault in the report.
    A v3 delivery is first seen through v2 eyes (v3.py builds t_sitetech / t_suf views from
    t_site + t_local, routes come from t_cab_chem)."""

    TABLES = 15  # tables read, for progress

    def __init__(self, source: GraceSource, owner: Organisation | None, report, version: str = "2",
                 faults: Report | None = None):
        self.src = source
        self.faults = faults if faults is not None else source.report
        self.network_owner = owner
        self.rows_read = 0
        self.tables_read = 0
        self.report = report
        self.version = version
        self.projection = DeliveryProjection()  # the territory step (territory.py), set per network by import_network
        self.pbo_max_m = getattr(settings, "GRACETHD_PBO_INFER_MAX_M", 300)

    # -- helpers ---------------------------------------------------------------------------------
    def fault(self, t: Table, i: int, field_name: str, message: str, rule: str, code: str = "", geom=None):
        """A fault on row `i` of `t`, located by the row's geometry when the table has one."""
        if geom is None and t.geoms is not None and 0 < i <= len(t.geoms):
            geom = t.geoms[i - 1]
        self.faults.add(t.label, i, field_name, message, rule, code, geom)

    def read(self, table, columns, spatial=False, required=True) -> Table | None:
        t = self.src.read(table, columns, spatial)
        self.tables_read += 1
        if t is None:
            return None
        for c in t.missing_columns:
            if self.version == "3" and table in V3_TABLES and c not in v3_fields(table):
                continue  # a v2 field that v3 dropped
            if c in KEY_COLUMNS and c == columns[0]:
                self.faults.add(t.label, 0, c, f"colonne {c} absente", "column.key_missing")
            elif c not in OPTIONAL_COLUMNS:
                self.faults.add(t.label, 0, c, f"colonne {c} absente", "column.missing")
        projection_fault = spatial and t.file_format != "csv" and self.projection.check(t.crs)  # territory step
        if projection_fault:
            self.faults.add(t.label, 0, "geom", projection_fault, "file.projection")
        if spatial and t.geoms is None:
            t.geoms = np.full(len(t), None, dtype=object)
        self.rows_read += len(t)
        self.report(self.rows_read, 0, min(49, 50 * self.tables_read // self.TABLES))
        return t

    def required(self, t: Table, i: int, row: dict, name: str, code="") -> str:
        value = row[name]
        if not value:
            self.fault(t, i, name, "champ obligatoire manquant", "field.required", code)
        return value

    def code(self, t: Table, i: int, row: dict, name: str, seen: dict) -> str | None:
        value = row[name]
        if not value:
            if name not in t.missing_columns:
                self.fault(t, i, name, "champ obligatoire manquant", "code.missing")
            return None
        if value in seen:
            first = seen[value]
            if all(col[first - 1] == col[i - 1] for col in t.columns.values()):
                self.fault(t, i, name, f"ligne identique à la ligne {first} : ignorée", "code.duplicate_row", value)
            else:
                self.fault(t, i, name, f"code en double {value} (déjà ligne {first})", "code.duplicate", value)
            return None
        seen[value] = i
        return value

    def listed(self, t, i, row, name, lst, required=False, allowed=None, code="") -> str:
        value = row[name]
        if not value:
            if required:
                self.fault(t, i, name, "champ obligatoire manquant", "field.required", code)
            return ""
        if value not in code_list(lst, self.version):
            self.fault(t, i, name, f"code inconnu {value!r} (liste {_list_name(lst, self.version)})",
                            "code.unknown_required" if required else "code.unknown", code)
            return ""
        if allowed is not None and value not in allowed:
            self.fault(t, i, name, f"code {value!r} de {_list_name(lst, self.version)} non pris en charge par Vigie Fibre",
                            "code.unsupported", code)
            return ""
        return value

    def ref(self, t, i, row, name, known, what, required=True, code="") -> str:
        value = row[name]
        if not value:
            if required:
                self.fault(t, i, name, "champ obligatoire manquant", "field.required", code)
            return ""
        if value not in known:
            self.fault(t, i, name, f"référence inconnue : {what} {value} absent", "fk.dangling", code)
            return ""
        return value

    def geometry(self, t: Table, i: int, geom, kinds: tuple[str, ...], code=""):
        if geom is None or shapely.is_empty(geom):
            self.fault(t, i, "geom", "géométrie manquante", "geom.missing", code)
            return None
        if geom.geom_type == "MultiLineString" and "LineString" in kinds and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if geom.geom_type == "MultiPoint" and "Point" in kinds and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if geom.geom_type not in kinds:
            self.fault(t, i, "geom", f"type {geom.geom_type}, {' ou '.join(kinds)} attendu", "geom.type", code, geom)
            return None
        if not (t.valid[i - 1] if t.valid is not None and geom is t.geoms[i - 1] else shapely.is_valid(geom)):
            self.fault(t, i, "geom", f"géométrie invalide ({shapely.is_valid_reason(geom)})", "geom.invalid", code, geom)
            return None
        return geom

    # -- tables ----------------------------------------------------------------------------------
    def run(self) -> dict:
        s = {}
        nodes_t = self.read("t_noeud", ["nd_code", "nd_type", "nd_nom"], spatial=True)
        nodes, seen = {}, {}
        if nodes_t:
            for i, (row, geom) in enumerate(zip(nodes_t.rows, nodes_t.geoms), start=1):
                code = self.code(nodes_t, i, row, "nd_code", seen)
                node_type = self.listed(nodes_t, i, row, "nd_type", "l_noeud_type", code=code)
                geom = self.geometry(nodes_t, i, geom, ("Point",), code)
                if code and geom is not None:
                    nodes[code] = (code, geom, node_type, row["nd_nom"])
        s["node"] = list(nodes.values())
        known_nodes = set(nodes)
        self.node_geom = {c: v[1] for c, v in nodes.items()}

        t = self.read("t_sitetech", ["st_code", "st_nd_code", "st_nom", "st_typelog", "st_typephy", "st_statut"])
        s["site"], seen = [], {}
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "st_code", seen)
            nd = self.ref(t, i, row, "st_nd_code", known_nodes, "nœud", code=code)
            typelog = self.listed(t, i, row, "st_typelog", "l_site_type_log", required=True, allowed=SiteType.values, code=code)
            typephy = self.listed(t, i, row, "st_typephy", "l_site_type_phy", code=code)
            status = self.listed(t, i, row, "st_statut", "l_statut", code=code)
            if code and nd and typelog:
                s["site"].append((code, nd, row["st_nom"], typelog, typephy, status))

        owners = self.organisations()
        t = self.read("t_ptech", ["pt_code", "pt_nd_code", "pt_typephy", "pt_typelog", "pt_prop", "pt_etat", "pt_statut"])
        s["support"], seen = [], {}
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "pt_code", seen)
            nd = self.ref(t, i, row, "pt_nd_code", known_nodes, "nœud", code=code)
            typephy = self.listed(t, i, row, "pt_typephy", "l_ptech_type_phy", required=True, code=code)
            typelog = self.listed(t, i, row, "pt_typelog", "l_ptech_type_log", code=code)
            state = self.listed(t, i, row, "pt_etat", "l_etat_type", code=code)
            status = self.listed(t, i, row, "pt_statut", "l_statut", code=code)
            owner = SupportOwner.RIP
            if row["pt_prop"]:
                owner = owners.get(row["pt_prop"])
                if owner is None:
                    self.fault(t, i, "pt_prop", f"référence inconnue : organisme {row['pt_prop']} absent de t_organisme",
                                    "fk.dangling", code)
                    owner = SupportOwner.OTHER
            if code and nd and typephy:
                s["support"].append((code, nd, typephy, typelog, owner, state, status))
        known_supports = set(seen)  # a support left out is reported once, on its own row
        support_node = {r[0]: r[1] for r in s["support"]}

        t = self.read("t_cheminement", ["cm_code", "cm_ndcode1", "cm_ndcode2", "cm_typ_imp", "cm_long", "cm_statut"], spatial=True)
        s["segment"], seen = [], {}
        segment_ends, segment_geom = {}, {}
        for i, (row, geom) in enumerate(zip(t.rows, t.geoms) if t else [], start=1):
            code = self.code(t, i, row, "cm_code", seen)
            geom = self.geometry(t, i, geom, ("LineString",), code)
            n1 = self.ref(t, i, row, "cm_ndcode1", known_nodes, "nœud", code=code)
            n2 = self.ref(t, i, row, "cm_ndcode2", known_nodes, "nœud", code=code)
            mode = self.listed(t, i, row, "cm_typ_imp", "l_implantation_type", required=True, code=code)
            status = self.listed(t, i, row, "cm_statut", "l_statut", code=code)
            length = None
            if row["cm_long"]:
                length = _float(row["cm_long"])
                if length is None:
                    self.fault(t, i, "cm_long", f"longueur invalide {row['cm_long']!r}", "field.number", code, geom)
            if code and n1 and n2 and mode and geom is not None:
                s["segment"].append((code, n1, n2, mode, geom.length if length is None else length, status, geom))
                segment_ends[code] = (n1, n2)
                segment_geom[code] = geom
                self.check_segment_ends(t, i, code, geom, n1, n2)
            elif code and geom is not None and not (n1 and n2):
                self.fault(t, i, "cm_ndcode1", f"cheminement {code} sans nœuds : hors graphe de desserte",
                                "field.required", code, geom)
        known_segments = set(seen)  # a segment left out is reported once; its cables say they lost their route

        t = self.read("t_cable", ["cb_code", "cb_nd1", "cb_nd2", "cb_typelog", "cb_capafo", "cb_statut", "cb_lgreel"])
        cables, seen, cable_rows = {}, {}, {}
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "cb_code", seen)
            if code and not row["cb_nd1"] and not row["cb_nd2"]:
                self.fault(t, i, "cb_nd1", f"câble {code} sans cb_nd1 ni cb_nd2 : hors graphe de desserte",
                                "cable.no_ends", code)
                continue
            n1 = self.ref(t, i, row, "cb_nd1", known_nodes, "nœud", code=code)
            n2 = self.ref(t, i, row, "cb_nd2", known_nodes, "nœud", code=code)
            role = self.listed(t, i, row, "cb_typelog", "l_infra_type_log", allowed=CableRole.values, code=code)
            if not role and not row["cb_typelog"]:
                self.fault(t, i, "cb_typelog", "cb_typelog vide : DI (distribution) retenu", "field.defaulted", code)
                role = CableRole.DISTRIBUTION
            status = self.listed(t, i, row, "cb_statut", "l_statut", code=code)
            capacity = length = None
            if row["cb_capafo"]:
                capacity = _int(row["cb_capafo"])
                if capacity is None:
                    self.fault(t, i, "cb_capafo", f"nombre de fibres invalide {row['cb_capafo']!r}", "field.number", code)
            if row["cb_lgreel"]:
                length = _float(row["cb_lgreel"])
                if length is None:
                    self.fault(t, i, "cb_lgreel", f"longueur invalide {row['cb_lgreel']!r}", "field.number", code)
            if code and n1 and n2 and role:
                cables[code] = [code, n1, n2, role, capacity, length, status, None]
                cable_rows[code] = i
        known_cables = set(seen)

        t = self.read("t_cableline", ["cl_code", "cl_cb_code"], spatial=True, required=False)
        seen, drawn = {}, {}
        for i, (row, geom) in enumerate(zip(t.rows, t.geoms) if t else [], start=1):
            code = self.code(t, i, row, "cl_code", seen)
            cb = self.ref(t, i, row, "cl_cb_code", known_cables, "câble", code=code)
            geom = self.geometry(t, i, geom, ("LineString",), code)
            if cb and cb in drawn:
                self.fault(t, i, "cl_cb_code", f"câble {cb} déjà dessiné ligne {drawn[cb]}", "cable.line_duplicate", code, geom)
            elif cb and geom is not None:
                drawn[cb] = i
                if cb in cables:
                    cables[cb][7] = geom
        s["route"] = self.routes(cables, cable_rows, known_cables, known_segments, segment_ends)
        # a cable whose route cannot be rebuilt is left out of the model: kept, it would be an edge of
        # the service graph that no cut ever breaks
        for cb in self.unrouted:
            cables.pop(cb, None)
        s["cable"] = [tuple(v) for v in cables.values()]
        self.check_cable_lines(cables, s["route"], segment_geom)

        placed_suf = self.suf_nodes(known_nodes)
        t = self.read("t_ebp", ["bp_code", "bp_pt_code", "bp_sf_code", "bp_lc_code", "bp_typelog", "bp_statut", "bp_racco"])
        s["enclosure"], seen = [], {}
        pbo_at_node, pbo_codes = defaultdict(list), set()
        self.pbo_node = {}
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "bp_code", seen)
            typelog = self.listed(t, i, row, "bp_typelog", "l_bp_type_log", required=True, allowed=EnclosureType.values, code=code)
            status = self.listed(t, i, row, "bp_statut", "l_statut", code=code)
            racco = self.listed(t, i, row, "bp_racco", "l_bp_racco", code=code)
            if code and typelog == EnclosureType.PBO:
                pbo_codes.add(code)  # even when its row is refused: one fault, not a cascade
            pt, node = "", ""
            if row["bp_pt_code"]:
                pt = self.ref(t, i, row, "bp_pt_code", known_supports, "point technique", code=code)
                node = support_node.get(pt, "")
                if pt and not node:
                    self.fault(t, i, "bp_pt_code", f"point technique {pt} écarté : boîtier non placé",
                                    "enclosure.unplaced", code)
            else:
                # a PTO (or a DTI) stands in a SUF (v2 bp_sf_code) or a local (v3 bp_lc_code), not on a support
                for name in ("bp_sf_code", "bp_lc_code"):
                    if row[name]:
                        node = placed_suf.get(row[name], "")
                        if not node:
                            self.fault(t, i, name, f"{row[name]} sans nœud connu : boîtier non placé",
                                            "enclosure.unplaced", code)
                        break
                else:
                    self.fault(t, i, "bp_pt_code", "ni bp_pt_code ni bp_sf_code/bp_lc_code : boîtier non placé",
                                    "enclosure.unplaced", code)
            if code and node and typelog:
                s["enclosure"].append((code, pt, node, typelog, status, racco))
                if typelog == EnclosureType.PBO:
                    pbo_at_node[node].append(code)
                    self.pbo_node[code] = node

        s["premises"] = self.premises(known_nodes, pbo_at_node, pbo_codes)
        self.check_capacity(s)
        return s

    # -- geometric and business checks -------------------------------------------------------
    def check_segment_ends(self, t, i, code, geom, n1, n2):
        tol = getattr(settings, "GRACETHD_SNAP_TOLERANCE_M", 1.0)
        a, b = shapely.Point(geom.coords[0]), shapely.Point(geom.coords[-1])
        g1, g2 = self.node_geom.get(n1), self.node_geom.get(n2)
        if g1 is None or g2 is None:
            return
        straight = max(a.distance(g1), b.distance(g2))
        reverse = max(a.distance(g2), b.distance(g1))
        if min(straight, reverse) > tol:
            self.fault(t, i, "geom", f"extrémités à {min(straight, reverse):.1f} m de {n1}/{n2}",
                            "segment.ends_off_nodes", code, geom)

    def check_cable_lines(self, cables, routes, segment_geom):
        tol = getattr(settings, "GRACETHD_CABLELINE_TOLERANCE_M", 5.0)
        by_cable = defaultdict(list)
        for cb, _pos, cm in routes:
            by_cable[cb].append(segment_geom[cm])
        for cb, values in cables.items():
            line = values[7]
            if line is None or cb not in by_cable:
                continue
            route = shapely.union_all(by_cable[cb])
            distance = shapely.hausdorff_distance(line, route) if not route.is_empty else 0
            if distance > tol:
                self.faults.add("t_cableline", 0, "geom", f"tracé du câble {cb} à {distance:.1f} m de ses cheminements",
                                "cable.line_off_route", cb, line)

    def check_capacity(self, s):
        """A PBO's incoming cable must carry at least one fibre per premises it serves."""
        served = defaultdict(int)
        for p in s["premises"]:
            if p[7]:
                served[p[7]] += 1
        capacity_at = defaultdict(int)
        for _code, n1, n2, _role, capacity, *_ in s["cable"]:
            if capacity:
                for n in (n1, n2):
                    capacity_at[n] = max(capacity_at[n], capacity)
        for pbo, count in served.items():
            node = self.pbo_node.get(pbo)
            if node and capacity_at.get(node) and capacity_at[node] < count:
                self.faults.add("t_ebp", 0, "bp_code", f"PBO {pbo} : {count} locaux pour un câble de {capacity_at[node]} fibres",
                                "pbo.capacity", pbo, self.node_geom.get(node))

    def suf_nodes(self, known_nodes) -> dict:
        """sf_code / lc_code -> node code, to place PTO given by bp_sf_code / bp_lc_code."""
        out = {}
        t = self.src.read("t_suf", ["sf_code", "sf_nd_code"])
        for row in t.rows if t else []:
            if row["sf_code"] and row["sf_nd_code"] in known_nodes:
                out[row["sf_code"]] = row["sf_nd_code"]
        return out

    def organisations(self) -> dict[str, str]:
        """or_code -> SupportOwner, from t_organisme (Orange / Enedis by SIREN or name, the RIP when
        or_type is "RIP" or the organisme is the network's owner, anyone else OTHER)."""
        t = self.read("t_organisme", ["or_code", "or_siren", "or_nom", "or_type", "or_siret"], required=False)
        owners, seen = {}, {}
        owner_name = (self.network_owner.name.upper() if self.network_owner else None)
        owner_siren = getattr(self.network_owner, "siren", None) or None
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "or_code", seen)
            if not code:
                continue
            name, siren = row["or_nom"].upper(), row["or_siren"] or row["or_siret"][:9]
            if siren in ORANGE_SIRENS or name.startswith(ORANGE_NAMES):
                owners[code] = SupportOwner.ORANGE
            elif siren in ENEDIS_SIRENS or name.startswith(ENEDIS_NAMES):
                owners[code] = SupportOwner.ENEDIS
            elif row["or_type"].upper() == "RIP" or name == owner_name or (owner_siren and siren == owner_siren):
                owners[code] = SupportOwner.RIP
            else:
                owners[code] = SupportOwner.OTHER
        return owners

    def routes(self, cables, cable_rows, known_cables, known_segments, segment_ends) -> list[tuple]:
        """Ordered routes: cable → conduits (t_cab_cond) → routes (t_cond_chem) in v2, cable →
        routes (t_cab_chem) in v3; chained from the cable's nd1 to its nd2."""
        cable_segments, first_row, label = defaultdict(dict), {}, "t_cab_cond.csv"
        if self.version == "3":
            cc_t = self.read("t_cab_chem", ["cc_cb_code", "cc_cm_code"], required=False)
            label = cc_t.label if cc_t else "t_cab_chem.csv"
            for i, row in enumerate(cc_t.rows if cc_t else [], start=1):
                cb = self.ref(cc_t, i, row, "cc_cb_code", known_cables, "câble")
                cm = self.ref(cc_t, i, row, "cc_cm_code", known_segments, "cheminement", code=cb)
                if cb and cm:
                    first_row.setdefault(cb, i)
                    cable_segments[cb][cm] = None
        else:
            cd_t = self.read("t_conduite", ["cd_code", "cd_type", "cd_statut"], required=False)
            seen = {}
            for i, row in enumerate(cd_t.rows if cd_t else [], start=1):
                code = self.code(cd_t, i, row, "cd_code", seen)
                self.listed(cd_t, i, row, "cd_type", "l_conduite_type", code=code)
                self.listed(cd_t, i, row, "cd_statut", "l_statut", code=code)
            known_conduits = set(seen)
            dm_t = self.read("t_cond_chem", ["dm_cd_code", "dm_cm_code"], required=False)
            conduit_segments = defaultdict(list)
            for i, row in enumerate(dm_t.rows if dm_t else [], start=1):
                cd = self.ref(dm_t, i, row, "dm_cd_code", known_conduits, "conduite")
                cm = self.ref(dm_t, i, row, "dm_cm_code", known_segments, "cheminement", code=cd)
                if cd and cm:
                    conduit_segments[cd].append(cm)
            cc_t = self.read("t_cab_cond", ["cc_cb_code", "cc_cd_code"], required=False)
            label = cc_t.label if cc_t else label
            for i, row in enumerate(cc_t.rows if cc_t else [], start=1):
                cb = self.ref(cc_t, i, row, "cc_cb_code", known_cables, "câble")
                cd = self.ref(cc_t, i, row, "cc_cd_code", known_conduits, "conduite", code=cb)
                if cb and cd:
                    first_row.setdefault(cb, i)
                    for cm in conduit_segments.get(cd, ()):
                        cable_segments[cb][cm] = None
        routes = []
        self.unrouted = set()
        for cb, segs in cable_segments.items():
            if cb not in cables:
                continue  # already reported
            lost = [cm for cm in segs if cm not in segment_ends]
            if lost:
                self.faults.add(label, first_row[cb], "cc_cb_code",
                                f"câble {cb} écarté du graphe de desserte : cheminement {', '.join(lost)} écarté",
                                "cable.route_incomplete", cb)
                self.unrouted.add(cb)
                continue
            _code, nd1, nd2, role = cables[cb][:4]
            order = chain(list(segs), segment_ends, nd1, nd2, open_end=role == CableRole.DROP)
            if order is None:
                self.faults.add(label, first_row[cb], "cc_cb_code",
                                f"les cheminements du câble {cb} ne s'enchaînent pas de {nd1} à {nd2} : câble écarté",
                                "cable.route_unchained", cb)
                self.unrouted.add(cb)
                continue
            routes.extend((cb, position, cm) for position, cm in enumerate(order))
        return routes

    def premises(self, known_nodes, pbo_at_node, pbo_codes) -> list[tuple]:
        t = self.read("t_adresse", ["ad_code", "ad_insee", "ad_numero", "ad_rep", "ad_nomvoie", "ad_nblhab",
                                    "ad_nblpro", "ad_prio", CRITICAL_FIELD], spatial=True)
        communes = set(Commune.objects.values_list("insee", flat=True))
        former = former_codes()  # communes merged since: the address belongs to the commune nouvelle
        addresses, seen_addresses = {}, {}
        for i, (row, geom) in enumerate(zip(t.rows, t.geoms) if t else [], start=1):
            code = self.code(t, i, row, "ad_code", seen_addresses)
            geom = self.geometry(t, i, geom, ("Point",), code)
            insee = former.get(row["ad_insee"], row["ad_insee"])
            if insee and insee not in communes:
                self.fault(t, i, "ad_insee", f"commune inconnue {insee} : local gardé sans commune",
                                "commune.unknown", code, geom)
                insee = ""
            units = []
            for name in ("ad_nblhab", "ad_nblpro"):
                value = _int(row[name]) if row[name] else 0
                if value is None:
                    self.fault(t, i, name, f"nombre invalide {row[name]!r}", "field.number", code, geom)
                    value = 0
                units.append(value)
            if not row["ad_nblhab"] and not row["ad_nblpro"] or units == [0, 0]:
                units = [1, 0]  # unknown: one dwelling
            critical = row[CRITICAL_FIELD]
            if critical and critical not in CriticalCategory.values:
                self.fault(t, i, CRITICAL_FIELD, f"catégorie inconnue {critical!r} ({', '.join(CriticalCategory.values[1:])})",
                                "critical.unknown", code, geom)
                critical = ""
            address = " ".join(v for v in (row["ad_numero"], row["ad_rep"], row["ad_nomvoie"]) if v)
            if code and geom is not None:
                addresses[code] = [code, geom, insee, address[:254], units[0], units[1], "", "", critical, "", i]
        zp_t = self.read("t_zpbo", ["zp_code", "zp_nd_code", ZPBO_PBO_FIELD], spatial=True, required=False)
        zone_pbo, seen, zone_geom = {}, {}, {}
        for i, row in enumerate(zp_t.rows if zp_t else [], start=1):
            code = self.code(zp_t, i, row, "zp_code", seen)
            geom = zp_t.geoms[i - 1] if zp_t.geoms is not None else None
            if code and geom is not None and not shapely.is_empty(geom):
                zone_geom[code] = geom
            if row[ZPBO_PBO_FIELD]:  # Vigie Fibre extension: the PBO named, not guessed from the node
                pbo = self.ref(zp_t, i, row, ZPBO_PBO_FIELD, pbo_codes, "PBO", code=code)
                if code and pbo:
                    zone_pbo[code] = pbo
            elif code and row["zp_nd_code"]:
                nd = self.ref(zp_t, i, row, "zp_nd_code", known_nodes, "nœud", code=code)
                pbos = pbo_at_node.get(nd, []) if nd else None
                if pbos is not None and len(pbos) != 1:
                    self.fault(zp_t, i, "zp_nd_code", f"{len(pbos)} PBO au nœud {nd}, un seul attendu",
                                    "pbo.zone_ambiguous", code, geom)
                elif pbos:
                    zone_pbo[code] = pbos[0]
        for zp, pbo in zone_pbo.items():
            node = self.pbo_node.get(pbo)
            if zp in zone_geom and node in self.node_geom and not zone_geom[zp].buffer(1).contains(self.node_geom[node]):
                self.fault(zp_t, seen[zp], "geom", f"PBO {pbo} hors de sa zone {zp}", "pbo.outside_zone", zp,
                                self.node_geom[node])
        known_zones = set(seen)
        sf_t = self.read("t_suf", ["sf_code", "sf_ad_code", "sf_zp_code", "sf_racco", "sf_type", SUF_PBO_FIELD])
        seen, sufs = {}, []
        for i, row in enumerate(sf_t.rows if sf_t else [], start=1):
            code = self.code(sf_t, i, row, "sf_code", seen)
            ad = self.ref(sf_t, i, row, "sf_ad_code", seen_addresses, "adresse", code=code)
            racco = self.listed(sf_t, i, row, "sf_racco", "l_suf_racco", code=code)
            self.listed(sf_t, i, row, "sf_type", "l_suf_type", code=code)
            if row[SUF_PBO_FIELD]:  # v3: t_local.lc_bp_codf names the PBO
                pbo = self.ref(sf_t, i, row, SUF_PBO_FIELD, pbo_codes, "PBO", required=False, code=code)
            else:
                zp = self.ref(sf_t, i, row, "sf_zp_code", known_zones, "zone PBO", required=False, code=code)
                pbo = zone_pbo.get(zp, "")
            if code and ad in addresses:
                sufs.append((code, ad, pbo, racco))
        for code, ad, pbo, racco in sorted(sufs, reverse=True):  # the smallest sf_code of an address wins
            premises = addresses[ad]
            premises[6], premises[7], premises[9] = racco or ConnectionStatus.CONNECTABLE, pbo, code
        self.infer_pbo(t, addresses, zone_geom, zone_pbo)
        for premises in addresses.values():
            premises[6] = premises[6] or ConnectionStatus.CONNECTABLE
        return [tuple(p[:10]) for p in addresses.values()]

    def infer_pbo(self, t, addresses, zone_geom, zone_pbo):
        """Premises without a PBO link: the PBO of the t_zpbo zone holding them, else the nearest PBO
        within GRACETHD_PBO_INFER_MAX_M; one warning each, never silently unserved."""
        orphans = [p for p in addresses.values() if not p[7]]
        if not orphans:
            return
        pbo_codes = [c for c, n in self.pbo_node.items() if n in self.node_geom]
        pbo_points = np.array([self.node_geom[self.pbo_node[c]] for c in pbo_codes], dtype=object)
        tree = shapely.STRtree(pbo_points) if len(pbo_codes) else None
        zones = [(z, g) for z, g in zone_geom.items() if z in zone_pbo]
        ztree = shapely.STRtree([g for _z, g in zones]) if zones else None
        points = np.array([p[1] for p in orphans], dtype=object)
        in_zone = {}
        if ztree is not None:
            pi, zi = ztree.query(points, predicate="within")
            for a, b in zip(pi, zi):
                in_zone.setdefault(int(a), zone_pbo[zones[int(b)][0]])
        nearest = {}
        if tree is not None:
            (pi, bi), dist = tree.query_nearest(points, max_distance=self.pbo_max_m, return_distance=True, all_matches=False)
            for a, b, d in zip(pi, bi, dist):
                nearest.setdefault(int(a), (pbo_codes[int(b)], d))
        for k, p in enumerate(orphans):
            if k in in_zone:
                p[7] = in_zone[k]
                self.fault(t, p[10], "sf_zp_code", f"PBO de {p[0]} déduit de sa zone t_zpbo : {p[7]}",
                                "pbo.inferred", p[0], p[1])
            elif k in nearest:
                p[7] = nearest[k][0]
                self.fault(t, p[10], "sf_zp_code", f"PBO de {p[0]} déduit : {p[7]}, le plus proche ({nearest[k][1]:.0f} m)",
                                "pbo.inferred", p[0], p[1])
            else:
                self.fault(t, p[10], "sf_zp_code", f"{p[0]} sans PBO, aucun à moins de {self.pbo_max_m} m : non desservi",
                                "pbo.unserved", p[0], p[1])


def chain(segments: list[str], ends: dict, start: str, end: str, open_end: bool = False) -> list[str] | None:
    """Order `segments` as a path from node `start` to node `end`; None if they do not chain.
    `open_end`: the path may stop short of `end` (a drop, RA, whose last stretch across private
    land has no route segment)."""
    at_node = defaultdict(list)
    for cm in segments:
        a, b = ends[cm]
        at_node[a].append(cm)
        at_node[b].append(cm)
    order, used, node = [], set(), start
    while len(order) < len(segments):
        nxt = [cm for cm in at_node[node] if cm not in used]
        if len(nxt) != 1:
            return None
        cm = nxt[0]
        used.add(cm)
        order.append(cm)
        a, b = ends[cm]
        node = b if node == a else a
    return order if node == end or open_end else None


# -- writing -----------------------------------------------------------------------------------------

STAGING = {
    "node": "code text, geom geometry(Point, 2154), node_type text, name text",
    "site": "code text, node text, name text, site_type text, physical_type text, status text",
    "support": "code text, node text, support_type text, logical_type text, owner text, state text, status text",
    "segment": "code text, node1 text, node2 text, laying_mode text, length_m float8, status text, geom geometry(LineString, 2154)",
    "cable": "code text, node1 text, node2 text, role text, capacity int, length_m float8, status text, geom geometry(LineString, 2154)",
    "route": "cable text, position int, segment text",
    "enclosure": "code text, support text, node text, enclosure_type text, status text, connection_failure text",
    "premises": "code text, geom geometry(Point, 2154), insee text, address text, housing int, business int, "
                "status text, pbo text, critical text, suf_code text",
}
GEOM_COLUMNS = {"node": [1], "segment": [6], "cable": [7], "premises": [1]}

# model table, columns written (after network_id, code), SELECT producing them from staging `s`
UPSERTS = [
    ("node", "network_node", ["geom", "node_type", "name"], "SELECT %(net)s, s.code, s.geom, s.node_type, s.name FROM stg_node s"),
    ("segment", "network_routesegment", ["node1_id", "node2_id", "laying_mode", "length_m", "status", "geom"],
     """SELECT %(net)s, s.code, n1.id, n2.id, s.laying_mode, s.length_m, s.status, s.geom FROM stg_segment s
        JOIN network_node n1 ON n1.network_id = %(net)s AND n1.code = s.node1
        JOIN network_node n2 ON n2.network_id = %(net)s AND n2.code = s.node2"""),
    ("site", "network_site", ["node_id", "name", "site_type", "physical_type", "status", "geom"],
     """SELECT %(net)s, s.code, n.id, s.name, s.site_type, s.physical_type, s.status, n.geom FROM stg_site s
        JOIN network_node n ON n.network_id = %(net)s AND n.code = s.node"""),
    ("support", "network_supportpoint", ["node_id", "support_type", "logical_type", "owner", "state", "status", "geom"],
     """SELECT %(net)s, s.code, n.id, s.support_type, s.logical_type, s.owner, s.state, s.status, n.geom FROM stg_support s
        JOIN network_node n ON n.network_id = %(net)s AND n.code = s.node"""),
    ("cable", "network_cable", ["node1_id", "node2_id", "role", "capacity", "length_m", "status", "geom"],
     """SELECT %(net)s, s.code, n1.id, n2.id, s.role, s.capacity, s.length_m, s.status, s.geom FROM stg_cable s
        JOIN network_node n1 ON n1.network_id = %(net)s AND n1.code = s.node1
        JOIN network_node n2 ON n2.network_id = %(net)s AND n2.code = s.node2"""),
    ("enclosure", "network_enclosure", ["support_id", "node_id", "enclosure_type", "status", "connection_failure", "geom"],
     """SELECT %(net)s, s.code, p.id, n.id, s.enclosure_type, s.status, s.connection_failure, n.geom FROM stg_enclosure s
        JOIN network_node n ON n.network_id = %(net)s AND n.code = s.node
        LEFT JOIN network_supportpoint p ON p.network_id = %(net)s AND p.code = s.support AND s.support <> ''"""),
    ("premises", "network_premises",
     ["geom", "commune_id", "address", "housing_units", "business_units", "connection_status", "pbo_id",
      "critical_category", "suf_code"],
     """SELECT %(net)s, s.code, s.geom, NULLIF(s.insee, ''), s.address, s.housing, s.business, s.status, e.id,
               s.critical, s.suf_code FROM stg_premises s
        LEFT JOIN network_enclosure e ON e.network_id = %(net)s AND e.code = s.pbo AND s.pbo <> ''"""),
]
DELETE_ORDER = ["premises", "enclosure", "cable", "support", "site", "segment", "node"]
MODEL_TABLES = {u[0]: u[1] for u in UPSERTS}


def _copy(cursor, name: str, rows: list[tuple], projection: DeliveryProjection | None = None) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS stg_{name}")  # left by an earlier import in the same (outer) transaction
    cursor.execute(f"CREATE TEMP TABLE stg_{name} ({STAGING[name]}) ON COMMIT DROP")
    geom_cols = GEOM_COLUMNS.get(name, [])
    if geom_cols and rows:
        # hex EWKB made in one vectorised call per column: PostGIS parses it as geometry input
        columns = list(zip(*rows))
        for c in geom_cols:
            geoms = (projection or DeliveryProjection()).to_storage(columns[c])
            columns[c] = shapely.to_wkb(geoms, hex=True, include_srid=True)
        rows = zip(*columns)
    with cursor.copy(f"COPY stg_{name} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    if name != "route":
        cursor.execute(f"CREATE UNIQUE INDEX ON stg_{name} (code)")
    cursor.execute(f"ANALYZE stg_{name}")


def _upsert(cursor, net_id: int, table: str, columns: list[str], select: str) -> tuple[int, int]:
    def cmp(prefix, col):
        return f"ST_AsEWKB({prefix}.{col})" if col == "geom" else f"{prefix}.{col}"

    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
    old = ", ".join(cmp(table, c) for c in columns)
    new = ", ".join(cmp("EXCLUDED", c) for c in columns)
    cursor.execute(
        f"""WITH up AS (
              INSERT INTO {table} (network_id, code, {', '.join(columns)}) {select}
              ON CONFLICT (network_id, code) DO UPDATE SET {sets}
              WHERE ({old}) IS DISTINCT FROM ({new})
              RETURNING (xmax = 0) AS created)
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM up""",
        {"net": net_id},
    )
    return cursor.fetchone()


def _resolve_network(slug, owner_slug, operator_slug, faults: list, lock: bool = True):
    """The network (locked), or a new unsaved one; refusals go to `faults` (label "--network")."""
    orgs = {}
    for option, slug_value, kind in (("--owner", owner_slug, OrganisationKind.SYNDICATE),
                                     ("--operator", operator_slug, OrganisationKind.OPERATOR)):
        if slug_value:
            org = Organisation.objects.filter(slug=slug_value).first()
            if org is None:
                faults.append(f"{option}: organisation inconnue {slug_value}")
            elif org.kind != kind:
                faults.append(f"{option}: {slug_value} est de type {org.kind}, {kind} attendu")
            orgs[option] = org
    networks = Network.objects.select_for_update() if lock else Network.objects.all()
    network = networks.filter(slug=slug).first()
    if network is None:
        if not owner_slug:
            faults.append(f"--network: le réseau {slug} n'existe pas : --owner (syndicat) est requis pour le créer")
        return None, orgs
    if orgs.get("--owner") and network.owner_id != orgs["--owner"].id:
        faults.append(f"--owner: le réseau {slug} appartient à {network.owner.slug}")
    if orgs.get("--operator") and network.operator_id != orgs["--operator"].id:
        faults.append(f"--operator: le réseau {slug} est exploité par {network.operator.slug if network.operator else 'personne'}")
    return network, orgs


def import_network(path, network_slug: str, owner: str | None = None, operator: str | None = None,
                   progress=None, actor=None, organisation=None, version: str | None = None) -> ImportResult:
    """Import the GraceTHD exchange at `path` (directory, zip or .gpkg; v2.0.1 or v3.0.x, detected
    from its tables unless `version` says) as the full state of network `network_slug`, creating it
    when missing. Faults go to the quality report; only blocking ones refuse the import
    (ImportRefused, nothing written). `progress(rows_done, rows_total, percent)` is called along
    the way. A change is recorded in the audit trail (one event on the network, with the counts),
    by `actor` acting for `organisation` when known."""
    started = time.monotonic()
    report = progress or (lambda *a: None)
    option_faults: list[str] = []
    network, orgs = _resolve_network(network_slug, owner, operator, option_faults, lock=False)
    faults = Report(_overrides(network))
    try:
        source = GraceSource(Path(path), faults)
        source.__enter__()
    except SourceError as exc:
        faults.add(*_split(str(exc)), exc.rule)
        raise ImportRefused(option_faults + [f.line for f in faults.blocking], faults) from None
    try:
        detected, mixed = detect_version(source.table_names())
        version = str(version or detected)
        if mixed:
            faults.add(Path(path).name, 0, "-", f"tables v2 et v3 mêlées : lu comme GraceTHD v{version}", "file.version")
        for table in REQUIRED[version]:
            if not source.has(table):
                faults.add(f"{table}.{'shp' if BY_V2.get(table) and BY_V2[table].geometry else 'csv'}", 0, "-",
                           "fichier manquant", "file.missing")
        for table in source.table_names():
            source.table(table)  # every table read (and size-checked) before anything is decided
        if version == "3":
            v3.adapt(source, faults)
        with transaction.atomic():
            network, orgs = _resolve_network(network_slug, owner, operator, [], lock=True)
            validator = Validator(source, network.owner if network else orgs.get("--owner"), report, version, faults)
            validator.projection = DeliveryProjection(network)
            try:
                staged = validator.run()
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.GEOSException) as exc:
                # a case no check foresaw: still one fault line, never a traceback (logged for us)
                logger.exception("GraceTHD validation crashed on %s", path)
                faults.add(Path(path).name, 0, "-", f"donnée inattendue ({type(exc).__name__}: {exc})", "file.unreadable")
                raise ImportRefused(option_faults + [f.line for f in faults.blocking], faults) from None
            total = validator.rows_read
            report(0, total, 50)
            blocking = option_faults + [f.line for f in faults.blocking]
            if blocking:
                raise ImportRefused(blocking, faults)
            created_network = network is None
            if created_network:
                network = Network.objects.create(
                    slug=network_slug, name=network_slug, owner=orgs["--owner"], operator=orgs.get("--operator"),
                    territory=validator.projection.territory,
                )
            counts, done = {}, 0
            with connection.cursor() as cursor:
                for name, rows in staged.items():
                    _copy(cursor, name, rows, validator.projection)
                steps = len(UPSERTS) + 3
                for step, (name, table, columns, select) in enumerate(UPSERTS, start=1):
                    if name == "enclosure":
                        counts["route"] = _sync_routes(cursor, network.id)
                    created, updated = _upsert(cursor, network.id, table, columns, select)
                    if created > 1000:  # fresh statistics, or the next joins on this table plan as if empty
                        cursor.execute(f"ANALYZE {table}")
                    counts[name] = {"created": created, "updated": updated,
                                    "unchanged": len(staged[name]) - created - updated, "deleted": 0}
                    done += len(staged[name])
                    report(done, total, 50 + 45 * step // steps)
                for name in DELETE_ORDER:
                    try:
                        with transaction.atomic():  # a savepoint: the refusal below leaves the transaction usable
                            cursor.execute(
                                f"""DELETE FROM {MODEL_TABLES[name]} t WHERE t.network_id = %s
                                    AND NOT EXISTS (SELECT 1 FROM stg_{name} s WHERE s.code = t.code)""",
                                [network.id],
                            )
                    except IntegrityError as exc:  # checked at once when the caller's transaction made constraints immediate
                        raise ImportRefused([f"--network:0: -: suppression impossible, objet encore référencé ailleurs "
                                             f"({exc})"], faults) from exc
                    counts[name]["deleted"] = cursor.rowcount
                counts["delivery"] = delivery.store(cursor, network, source, version)
            changed = created_network or any(
                c.get("created") or c.get("updated") or c.get("deleted") for c in counts.values()
            )
            if created_network:
                _set_departement(network)
            elif changed:
                network.bump_version()
            if changed:
                record(network, AuditEvent.Action.CREATE if created_network else AuditEvent.Action.UPDATE,
                       actor=actor, organisation=organisation,
                       after={"gracethd_import": counts, "version": network.version, "source": Path(path).name,
                              "gracethd_version": version, "faults": faults.counts()})
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys checked now
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # and left as Django declares them for the caller
            except IntegrityError as exc:
                raise ImportRefused([f"--network:0: -: suppression impossible, objet encore référencé ailleurs ({exc})"],
                                    faults) from exc
            report(total, total, 100)
            return ImportResult(network, created_network, changed, total, counts, time.monotonic() - started,
                                faults, version)
    finally:
        source.close()


def _split(line: str) -> tuple[str, int, str, str]:
    """A `FILE:ROW: FIELD: reason` line back into its parts."""
    head, _, rest = line.partition(": ")
    label, _, row = head.rpartition(":")
    field_name, _, reason = rest.partition(": ")
    try:
        return label, int(row), field_name, reason
    except ValueError:
        return head, 0, "-", rest


def _overrides(network) -> dict:
    if network is None:
        return {}
    from network.models import QualityRuleSeverity
    return dict(QualityRuleSeverity.objects.filter(network=network).values_list("rule", "severity"))


def _set_departement(network: Network) -> None:
    """A new network's département: the one holding most of its premises."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE network_network SET departement_id = (
                 SELECT c.departement_id FROM network_premises p JOIN network_commune c ON c.insee = p.commune_id
                 WHERE p.network_id = %(net)s GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)
               WHERE id = %(net)s AND departement_id IS NULL""",
            {"net": network.id},
        )
    network.refresh_from_db(fields=["departement"])


def _sync_routes(cursor, net_id: int) -> dict:
    """Make each cable's ordered route (CableRoute) equal to the staged one: drop the steps that
    differ, insert the missing ones."""
    cursor.execute(
        """DELETE FROM network_cableroute r USING network_cable c
           WHERE r.cable_id = c.id AND c.network_id = %(net)s AND NOT EXISTS (
             SELECT 1 FROM stg_route s JOIN network_routesegment g ON g.network_id = %(net)s AND g.code = s.segment
             WHERE s.cable = c.code AND s.position = r.position AND g.id = r.segment_id)""",
        {"net": net_id},
    )
    deleted = cursor.rowcount
    cursor.execute(
        """INSERT INTO network_cableroute (cable_id, segment_id, position)
           SELECT c.id, g.id, s.position FROM stg_route s
           JOIN network_cable c ON c.network_id = %(net)s AND c.code = s.cable
           JOIN network_routesegment g ON g.network_id = %(net)s AND g.code = s.segment
           ON CONFLICT (cable_id, position) DO NOTHING""",
        {"net": net_id},
    )
    created = cursor.rowcount
    cursor.execute("SELECT count(*) FROM stg_route")
    total = cursor.fetchone()[0]
    return {"created": created, "updated": 0, "unchanged": total - created, "deleted": deleted}
