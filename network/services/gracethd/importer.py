"""GraceTHD v2 import (*intégration d'un livrable GraceTHD*): validate everything, then write it
all in ONE transaction with set-based SQL (COPY into temporary tables, INSERT … ON CONFLICT, DELETE
… NOT EXISTS). No per-row ORM query: designed for 300 k premises and 250 k route segments.

An import is the full state of the network: objects absent from the exchange are removed.
Re-importing the same exchange changes nothing (upsert on the GraceTHD codes, no-op updates are
skipped) and does not bump `Network.version`; a real change bumps it once.

Every rejected row becomes one fault line `FILE:ROW: FIELD: reason` (ROW = record number, 1 for
the first record; 0 for the file itself); all faults are collected before refusing.
"""
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.db import DatabaseError, IntegrityError, connection, transaction

from core.audit import record
from core.models import AuditEvent
from network.models import (
    CableRole, Commune, ConnectionStatus, CriticalCategory, EnclosureType, Network, SiteType, SupportOwner,
)
from organisations.models import Organisation, OrganisationKind

from network.services.boundaries import former_codes

from .codelists import code_list
from .reader import GraceSource, SourceError, Table
from .territory import DeliveryProjection

ORANGE_SIRENS, ENEDIS_SIRENS = {"380129866"}, {"444608442"}
ORANGE_NAMES, ENEDIS_NAMES = ("ORANGE", "FRANCE TELECOM"), ("ENEDIS", "ERDF")
CRITICAL_FIELD = "ad_critcat"  # Vigie Fibre extension column of t_adresse (sites sensibles)
ZPBO_PBO_FIELD = "zp_bp_code"  # Vigie Fibre extension column of t_zpbo: the PBO (bp_code) serving the zone


class ImportRefused(Exception):
    """The exchange was refused; `faults` holds one `FILE:ROW: FIELD: reason` line per fault."""

    def __init__(self, faults: list[str]):
        super().__init__(f"{len(faults)} fault(s)")
        self.faults = faults


@dataclass
class ImportResult:
    network: Network
    network_created: bool
    changed: bool
    rows_total: int
    counts: dict = field(default_factory=dict)  # model -> {created, updated, unchanged, deleted}
    seconds: float = 0.0


class Faults(list):
    def add(self, label: str, row: int, field_name: str, reason: str) -> None:
        self.append(f"{label}:{row}: {field_name}: {reason}")


def _int(value: str):
    try:
        number = int(float(value))
    except ValueError:
        return None
    return number if number >= 0 and float(value) == number else None


def _float(value: str):
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number >= 0 and number == number and number != float("inf") else None


def _true(value: str) -> bool:
    return value.strip().lower() in ("t", "true", "1", "y", "yes", "o", "oui", "v", "vrai")


class Validator:
    """Turns the exchange's tables into staging rows, collecting every fault."""

    TABLES = 15  # tables read, for progress

    def __init__(self, source: GraceSource, owner: Organisation | None, report):
        self.src = source
        self.faults = Faults()
        self.network_owner = owner
        self.projection = DeliveryProjection()
        self.rows_read = 0
        self.tables_read = 0
        self.report = report

    # -- helpers ---------------------------------------------------------------------------------
    def read(self, table, columns, spatial=False, required=True) -> Table | None:
        t = self.src.read(table, columns, spatial)
        if t is None:
            self.tables_read += 1
            if required:
                self.faults.add(f"{table}.{'shp' if spatial else 'csv'}", 0, "-", "fichier manquant")
            return None
        fault = spatial and self.projection.check(t.crs)  # territory step (territory.py)
        if fault:
            self.faults.add(t.label, 0, "geom", fault)
        self.rows_read += len(t)
        self.tables_read += 1
        self.report(self.rows_read, 0, min(49, 50 * self.tables_read // self.TABLES))
        return t

    def required(self, t: Table, i: int, row: dict, name: str) -> str:
        value = row[name]
        if not value:
            self.faults.add(t.label, i, name, "champ obligatoire manquant")
        return value

    def code(self, t: Table, i: int, row: dict, name: str, seen: dict) -> str | None:
        value = self.required(t, i, row, name)
        if not value:
            return None
        if value in seen:
            self.faults.add(t.label, i, name, f"code en double {value} (déjà ligne {seen[value]})")
            return None
        seen[value] = i
        return value

    def listed(self, t, i, row, name, lst, required=False, allowed=None) -> str:
        value = row[name]
        if not value:
            if required:
                self.faults.add(t.label, i, name, "champ obligatoire manquant")
            return ""
        if value not in code_list(lst):
            self.faults.add(t.label, i, name, f"code inconnu {value!r} (liste {lst})")
            return ""
        if allowed is not None and value not in allowed:
            self.faults.add(t.label, i, name, f"code {value!r} de {lst} non pris en charge par Vigie Fibre")
            return ""
        return value

    def ref(self, t, i, row, name, known, what, required=True) -> str:
        value = row[name]
        if not value:
            if required:
                self.faults.add(t.label, i, name, "champ obligatoire manquant")
            return ""
        if value not in known:
            self.faults.add(t.label, i, name, f"référence inconnue : {what} {value} absent")
            return ""
        return value

    def geometry(self, t: Table, i: int, geom, kinds: tuple[str, ...]):
        if geom is None or shapely.is_empty(geom):
            self.faults.add(t.label, i, "geom", "géométrie manquante")
            return None
        if geom.geom_type == "MultiLineString" and "LineString" in kinds and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if geom.geom_type not in kinds:
            self.faults.add(t.label, i, "geom", f"type {geom.geom_type}, {' ou '.join(kinds)} attendu")
            return None
        if not (t.valid[i - 1] if t.valid is not None and geom is t.geoms[i - 1] else shapely.is_valid(geom)):
            self.faults.add(t.label, i, "geom", f"géométrie invalide ({shapely.is_valid_reason(geom)})")
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
                node_type = self.listed(nodes_t, i, row, "nd_type", "l_noeud_type")
                geom = self.geometry(nodes_t, i, geom, ("Point",))
                if code and geom is not None:
                    nodes[code] = (code, geom, node_type, row["nd_nom"])
        s["node"] = list(nodes.values())
        known_nodes = set(seen)

        t = self.read("t_sitetech", ["st_code", "st_nd_code", "st_nom", "st_typelog", "st_typephy", "st_statut"])
        s["site"], seen = [], {}
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "st_code", seen)
            nd = self.ref(t, i, row, "st_nd_code", known_nodes, "nœud")
            typelog = self.listed(t, i, row, "st_typelog", "l_site_type_log", required=True, allowed=SiteType.values)
            typephy = self.listed(t, i, row, "st_typephy", "l_site_type_phy")
            status = self.listed(t, i, row, "st_statut", "l_statut")
            if code and nd and typelog:
                s["site"].append((code, nd, row["st_nom"], typelog, typephy, status))

        owners = self.organisations()
        t = self.read("t_ptech", ["pt_code", "pt_nd_code", "pt_typephy", "pt_typelog", "pt_prop", "pt_etat", "pt_statut"])
        s["support"], seen = [], {}
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "pt_code", seen)
            nd = self.ref(t, i, row, "pt_nd_code", known_nodes, "nœud")
            typephy = self.listed(t, i, row, "pt_typephy", "l_ptech_type_phy", required=True)
            typelog = self.listed(t, i, row, "pt_typelog", "l_ptech_type_log")
            state = self.listed(t, i, row, "pt_etat", "l_etat_type")
            status = self.listed(t, i, row, "pt_statut", "l_statut")
            owner = SupportOwner.RIP
            if row["pt_prop"]:
                owner = owners.get(row["pt_prop"])
                if owner is None:
                    self.faults.add(t.label, i, "pt_prop", f"référence inconnue : organisme {row['pt_prop']} absent de t_organisme")
            if code and nd and typephy and owner:
                s["support"].append((code, nd, typephy, typelog, owner, state, status))
        known_supports = set(seen)
        support_node = {r[0]: r[1] for r in s["support"]}

        t = self.read("t_cheminement", ["cm_code", "cm_ndcode1", "cm_ndcode2", "cm_typ_imp", "cm_long", "cm_statut"], spatial=True)
        s["segment"], seen = [], {}
        segment_ends = {}
        for i, (row, geom) in enumerate(zip(t.rows, t.geoms) if t else [], start=1):
            code = self.code(t, i, row, "cm_code", seen)
            n1 = self.ref(t, i, row, "cm_ndcode1", known_nodes, "nœud")
            n2 = self.ref(t, i, row, "cm_ndcode2", known_nodes, "nœud")
            mode = self.listed(t, i, row, "cm_typ_imp", "l_implantation_type", required=True)
            status = self.listed(t, i, row, "cm_statut", "l_statut")
            geom = self.geometry(t, i, geom, ("LineString",))
            length = None
            if row["cm_long"]:
                length = _float(row["cm_long"])
                if length is None:
                    self.faults.add(t.label, i, "cm_long", f"longueur invalide {row['cm_long']!r}")
                    continue
            if code and n1 and n2 and mode and geom is not None:
                s["segment"].append((code, n1, n2, mode, geom.length if length is None else length, status, geom))
                segment_ends[code] = (n1, n2)
        known_segments = set(seen)

        t = self.read("t_cable", ["cb_code", "cb_nd1", "cb_nd2", "cb_typelog", "cb_capafo", "cb_statut", "cb_lgreel"])
        cables, seen, cable_rows = {}, {}, {}
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "cb_code", seen)
            n1 = self.ref(t, i, row, "cb_nd1", known_nodes, "nœud")
            n2 = self.ref(t, i, row, "cb_nd2", known_nodes, "nœud")
            role = self.listed(t, i, row, "cb_typelog", "l_infra_type_log", required=True, allowed=CableRole.values)
            status = self.listed(t, i, row, "cb_statut", "l_statut")
            capacity = length = None
            ok = True
            if row["cb_capafo"]:
                capacity = _int(row["cb_capafo"])
                if capacity is None:
                    self.faults.add(t.label, i, "cb_capafo", f"nombre de fibres invalide {row['cb_capafo']!r}")
                    ok = False
            if row["cb_lgreel"]:
                length = _float(row["cb_lgreel"])
                if length is None:
                    self.faults.add(t.label, i, "cb_lgreel", f"longueur invalide {row['cb_lgreel']!r}")
                    ok = False
            if code and n1 and n2 and role and ok:
                cables[code] = [code, n1, n2, role, capacity, length, status, None]
                cable_rows[code] = i
        known_cables = set(seen)

        t = self.read("t_cableline", ["cl_code", "cl_cb_code"], spatial=True, required=False)
        seen, drawn = {}, {}
        for i, (row, geom) in enumerate(zip(t.rows, t.geoms) if t else [], start=1):
            self.code(t, i, row, "cl_code", seen)
            cb = self.ref(t, i, row, "cl_cb_code", known_cables, "câble")
            geom = self.geometry(t, i, geom, ("LineString",))
            if cb and cb in drawn:
                self.faults.add(t.label, i, "cl_cb_code", f"câble {cb} déjà dessiné ligne {drawn[cb]}")
            elif cb and geom is not None:
                drawn[cb] = i
                if cb in cables:
                    cables[cb][7] = geom
        s["cable"] = [tuple(v) for v in cables.values()]

        s["route"] = self.routes(cables, cable_rows, known_cables, known_segments, segment_ends)

        t = self.read("t_ebp", ["bp_code", "bp_pt_code", "bp_typelog", "bp_statut", "bp_racco"])
        s["enclosure"], seen = [], {}
        pbo_at_node, pbo_codes = defaultdict(list), set()
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "bp_code", seen)
            pt = self.ref(t, i, row, "bp_pt_code", known_supports, "point technique")
            typelog = self.listed(t, i, row, "bp_typelog", "l_bp_type_log", required=True, allowed=EnclosureType.values)
            status = self.listed(t, i, row, "bp_statut", "l_statut")
            racco = self.listed(t, i, row, "bp_racco", "l_bp_racco")
            if code and typelog == EnclosureType.PBO:
                pbo_codes.add(code)  # even when its row is refused: one fault, not a cascade
            if code and pt and typelog:
                s["enclosure"].append((code, pt, typelog, status, racco))
                if typelog == EnclosureType.PBO and pt in support_node:
                    pbo_at_node[support_node[pt]].append(code)

        s["premises"] = self.premises(known_nodes, pbo_at_node, pbo_codes)
        return s

    def organisations(self) -> dict[str, str]:
        """or_code -> SupportOwner, from t_organisme (Orange / Enedis by SIREN or name, the RIP when
        or_type is "RIP" or the organisme is the network's owner, anyone else OTHER)."""
        t = self.read("t_organisme", ["or_code", "or_siren", "or_nom", "or_type"], required=False)
        owners, seen = {}, {}
        owner_name = (self.network_owner.name.upper() if self.network_owner else None)
        owner_siren = getattr(self.network_owner, "siren", None) or None
        for i, row in enumerate(t.rows if t else [], start=1):
            code = self.code(t, i, row, "or_code", seen)
            if not code:
                continue
            name, siren = row["or_nom"].upper(), row["or_siren"]
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
        """Ordered routes: cable → conduits (t_cab_cond) → routes (t_cond_chem), chained from the
        cable's nd1 to its nd2."""
        cd_t = self.read("t_conduite", ["cd_code", "cd_type", "cd_statut"], required=False)
        seen = {}
        for i, row in enumerate(cd_t.rows if cd_t else [], start=1):
            self.code(cd_t, i, row, "cd_code", seen)
            self.listed(cd_t, i, row, "cd_type", "l_conduite_type")
            self.listed(cd_t, i, row, "cd_statut", "l_statut")
        known_conduits = set(seen)
        dm_t = self.read("t_cond_chem", ["dm_cd_code", "dm_cm_code"], required=False)
        conduit_segments = defaultdict(list)
        for i, row in enumerate(dm_t.rows if dm_t else [], start=1):
            cd = self.ref(dm_t, i, row, "dm_cd_code", known_conduits, "conduite")
            cm = self.ref(dm_t, i, row, "dm_cm_code", known_segments, "cheminement")
            if cd and cm:
                conduit_segments[cd].append(cm)
        cc_t = self.read("t_cab_cond", ["cc_cb_code", "cc_cd_code"], required=False)
        cable_segments, first_row = defaultdict(dict), {}
        for i, row in enumerate(cc_t.rows if cc_t else [], start=1):
            cb = self.ref(cc_t, i, row, "cc_cb_code", known_cables, "câble")
            cd = self.ref(cc_t, i, row, "cc_cd_code", known_conduits, "conduite")
            if cb and cd:
                first_row.setdefault(cb, i)
                for cm in conduit_segments.get(cd, ()):
                    cable_segments[cb][cm] = None
        routes = []
        for cb, segs in cable_segments.items():
            if cb not in cables or any(cm not in segment_ends for cm in segs):
                continue  # already reported
            _code, nd1, nd2 = cables[cb][:3]
            order = chain(list(segs), segment_ends, nd1, nd2)
            if order is None:
                self.faults.add(cc_t.label, first_row[cb], "cc_cb_code",
                                f"les cheminements du câble {cb} ne s'enchaînent pas de {nd1} à {nd2}")
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
            geom = self.geometry(t, i, geom, ("Point",))
            insee = former.get(row["ad_insee"], row["ad_insee"])
            if insee and insee not in communes:
                self.faults.add(t.label, i, "ad_insee", f"commune inconnue {insee}")
                continue
            units = []
            for name in ("ad_nblhab", "ad_nblpro"):
                value = _int(row[name]) if row[name] else 0
                if value is None:
                    self.faults.add(t.label, i, name, f"nombre invalide {row[name]!r}")
                units.append(value)
            if not row["ad_nblhab"] and not row["ad_nblpro"]:
                units = [1, 0]  # unknown: one dwelling
            critical = row[CRITICAL_FIELD]
            if critical and critical not in CriticalCategory.values:
                self.faults.add(t.label, i, CRITICAL_FIELD, f"catégorie inconnue {critical!r} ({', '.join(CriticalCategory.values[1:])})")
                continue
            address = " ".join(v for v in (row["ad_numero"], row["ad_rep"], row["ad_nomvoie"]) if v)
            if code and geom is not None and None not in units:
                addresses[code] = [code, geom, insee, address[:254], units[0], units[1], "", "", critical, ""]
        zp_t = self.read("t_zpbo", ["zp_code", "zp_nd_code", ZPBO_PBO_FIELD], spatial=False, required=False)
        zone_pbo, seen = {}, {}
        for i, row in enumerate(zp_t.rows if zp_t else [], start=1):
            code = self.code(zp_t, i, row, "zp_code", seen)
            nd = self.ref(zp_t, i, row, "zp_nd_code", known_nodes, "nœud")
            if row[ZPBO_PBO_FIELD]:  # Vigie Fibre extension: the PBO named, not guessed from the node
                pbo = self.ref(zp_t, i, row, ZPBO_PBO_FIELD, pbo_codes, "PBO")
                if code and pbo:
                    zone_pbo[code] = pbo
            elif code and nd:
                pbos = pbo_at_node.get(nd, [])
                if len(pbos) != 1:
                    self.faults.add(zp_t.label, i, "zp_nd_code", f"{len(pbos)} PBO au nœud {nd}, un seul attendu")
                else:
                    zone_pbo[code] = pbos[0]
        known_zones = set(seen)
        sf_t = self.read("t_suf", ["sf_code", "sf_ad_code", "sf_zp_code", "sf_racco", "sf_type"])
        seen, sufs = {}, []
        for i, row in enumerate(sf_t.rows if sf_t else [], start=1):
            code = self.code(sf_t, i, row, "sf_code", seen)
            ad = self.ref(sf_t, i, row, "sf_ad_code", seen_addresses, "adresse")
            zp = self.ref(sf_t, i, row, "sf_zp_code", known_zones, "zone PBO", required=False)
            racco = self.listed(sf_t, i, row, "sf_racco", "l_suf_racco")
            self.listed(sf_t, i, row, "sf_type", "l_suf_type")
            if code and ad in addresses:
                sufs.append((code, ad, zone_pbo.get(zp, ""), racco))
        for code, ad, pbo, racco in sorted(sufs, reverse=True):  # the smallest sf_code of an address wins
            premises = addresses[ad]
            premises[6], premises[7], premises[9] = racco or ConnectionStatus.CONNECTABLE, pbo, code
        for premises in addresses.values():
            premises[6] = premises[6] or ConnectionStatus.CONNECTABLE
        return [tuple(p) for p in addresses.values()]


def chain(segments: list[str], ends: dict, start: str, end: str) -> list[str] | None:
    """Order `segments` as a path from node `start` to node `end`; None if they do not chain."""
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
    return order if node == end else None


# -- writing -----------------------------------------------------------------------------------------

STAGING = {
    "node": "code text, geom geometry(Point, 2154), node_type text, name text",
    "site": "code text, node text, name text, site_type text, physical_type text, status text",
    "support": "code text, node text, support_type text, logical_type text, owner text, state text, status text",
    "segment": "code text, node1 text, node2 text, laying_mode text, length_m float8, status text, geom geometry(LineString, 2154)",
    "cable": "code text, node1 text, node2 text, role text, capacity int, length_m float8, status text, geom geometry(LineString, 2154)",
    "route": "cable text, position int, segment text",
    "enclosure": "code text, support text, enclosure_type text, status text, connection_failure text",
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
     """SELECT %(net)s, s.code, p.id, p.node_id, s.enclosure_type, s.status, s.connection_failure, p.geom FROM stg_enclosure s
        JOIN network_supportpoint p ON p.network_id = %(net)s AND p.code = s.support"""),
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


def _resolve_network(slug, owner_slug, operator_slug, faults: Faults):
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
    network = Network.objects.select_for_update().filter(slug=slug).first()
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
                   progress=None, actor=None, organisation=None) -> ImportResult:
    """Import the GraceTHD exchange at `path` (directory, zip or .gpkg) as the full state of network
    `network_slug`, creating it when missing. Raises ImportRefused with every fault, having written
    nothing. `progress(rows_done, rows_total, percent)` is called along the way. A change is
    recorded in the audit trail (one event on the network, with the counts), by `actor` acting
    for `organisation` when known."""
    started = time.monotonic()
    report = progress or (lambda *a: None)
    try:
        source = GraceSource(Path(path))
        source.__enter__()
    except SourceError as exc:
        raise ImportRefused([f"{Path(path).name}:0: -: {exc}"]) from exc
    try:
        with transaction.atomic():
            faults = Faults()
            network, orgs = _resolve_network(network_slug, owner, operator, faults)
            validator = Validator(source, network.owner if network else orgs.get("--owner"), report)
            validator.projection = DeliveryProjection(network)
            try:
                staged = validator.run()
            except (ImportRefused, DatabaseError):
                raise
            except Exception as exc:  # noqa: BLE001 - a corrupt file (shapefile, CSV) is refused with a reason, not a crash
                raise ImportRefused([f"{Path(path).name}:0: -: livraison illisible ou corrompue "
                                     f"({type(exc).__name__}: {str(exc)[:300]})"]) from exc
            faults.extend(validator.faults)
            total = validator.rows_read
            report(0, total, 50)
            if faults:
                raise ImportRefused(list(faults))
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
                steps = len(UPSERTS) + 2
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
                    cursor.execute(
                        f"""DELETE FROM {MODEL_TABLES[name]} t WHERE t.network_id = %s
                            AND NOT EXISTS (SELECT 1 FROM stg_{name} s WHERE s.code = t.code)""",
                        [network.id],
                    )
                    counts[name]["deleted"] = cursor.rowcount
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
                       after={"gracethd_import": counts, "version": network.version, "source": Path(path).name})
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            except IntegrityError as exc:
                raise ImportRefused([f"--network:0: -: suppression impossible, objet encore référencé ailleurs ({exc})"]) from exc
            report(total, total, 100)
            return ImportResult(network, created_network, changed, total, counts, time.monotonic() - started)
    finally:
        source.__exit__(None, None, None)


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
