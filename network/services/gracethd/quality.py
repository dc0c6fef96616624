"""The import's quality report (*rapport de contrôle*): every check has a rule id, a default
severity and the GraceTHD rule it follows. Only `blocking` faults refuse an import; `major` faults
leave the object out of the service graph (with the reason), `minor` ones are warnings.

Severities can be overridden per network (admin: "Sévérités des contrôles GraceTHD"). Rule
references: `co_*` are the GraceTHD-MCD v2.0.1 constraints (docs/mcd_contraintes.csv), `ctrl_*`
the control families of the GraceTHD v3 control suite (presence, remplissage, liste_valeur, fk,
unicite, topo, metier) described in its ARCHITECTURE_CONTROLES.md.
"""
from dataclasses import dataclass

BLOCKING, MAJOR, MINOR = "blocking", "major", "minor"
SEVERITIES = (BLOCKING, MAJOR, MINOR)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    reference: str
    description: str


_RULES = [
    # reading the delivery: nothing can be trusted after these
    Rule("file.unreadable", BLOCKING, "co_1_f00001", "fichier illisible, tronqué ou d'un format inattendu"),
    Rule("file.too_large", BLOCKING, "-", "fichier au-delà de la taille admise (GRACETHD_MAX_FILE_BYTES)"),
    Rule("archive.limits", BLOCKING, "-", "archive au-delà des limites (taille décompressée, taux de compression)"),
    Rule("archive.unsafe", BLOCKING, "-", "chemin interdit dans l'archive"),
    Rule("file.missing", BLOCKING, "ctrl_presence_table", "table obligatoire absente du livrable"),
    Rule("file.projection", BLOCKING, "co_1_f00003", "projection autre que EPSG:2154 ou .prj absent"),
    Rule("file.encoding", MINOR, "co_1_f00005", "CSV non UTF-8, lu en Windows-1252"),
    Rule("file.version", MINOR, "-", "tables de versions GraceTHD différentes mêlées"),
    Rule("column.missing", MINOR, "ctrl_remplissage", "colonne absente du fichier"),
    Rule("column.key_missing", BLOCKING, "ctrl_remplissage", "colonne de code absente du fichier"),
    Rule("row.width", MINOR, "co_1_f00005", "ligne CSV d'un nombre de champs différent de l'en-tête"),
    Rule("code.duplicate", BLOCKING, "ctrl_unicite", "code en double"),
    Rule("code.duplicate_row", MINOR, "ctrl_unicite", "ligne répétée à l'identique : gardée une fois"),
    Rule("code.missing", MAJOR, "ctrl_remplissage", "code (clé) vide : ligne ignorée"),
    Rule("geom.type", BLOCKING, "ctrl_type", "géométrie d'un type inattendu, non enregistrable"),
    Rule("geom.missing", MAJOR, "ctrl_remplissage", "géométrie manquante : objet ignoré"),
    Rule("geom.invalid", MAJOR, "ctrl_topo", "géométrie invalide (GEOS) : objet ignoré"),
    # fields and references
    Rule("field.required", MAJOR, "ctrl_remplissage", "champ nécessaire au graphe de desserte vide : objet ignoré"),
    Rule("field.number", MAJOR, "ctrl_type", "nombre invalide"),
    Rule("field.defaulted", MINOR, "ctrl_remplissage", "champ facultatif vide : valeur par défaut retenue"),
    Rule("code.unknown", MINOR, "ctrl_liste_valeur", "code absent de la liste GraceTHD"),
    Rule("code.unknown_required", MAJOR, "ctrl_liste_valeur", "code inconnu sur un champ nécessaire : objet ignoré"),
    Rule("code.unsupported", MAJOR, "ctrl_liste_valeur", "code d'une liste que Vigie Fibre ne modélise pas"),
    Rule("fk.dangling", MAJOR, "ctrl_fk", "référence vers un objet absent"),
    Rule("commune.unknown", MINOR, "ctrl_fk", "commune (ad_insee) inconnue du projet : local gardé sans commune"),
    Rule("critical.unknown", MINOR, "-", "catégorie de site sensible inconnue : ignorée"),
    # service graph: geometric and business checks
    Rule("cable.no_ends", MAJOR, "ctrl_remplissage", "câble sans cb_nd1/cb_nd2 : hors graphe de desserte"),
    Rule("cable.route_unchained", MAJOR, "ctrl_topo", "cheminements d'un câble qui ne s'enchaînent pas de cb_nd1 à cb_nd2 : câble hors graphe"),
    Rule("cable.route_incomplete", MAJOR, "ctrl_fk", "câble dont un cheminement a été écarté : câble hors graphe"),
    Rule("cable.line_off_route", MINOR, "ctrl_topo", "tracé du câble (t_cableline) loin de son cheminement"),
    Rule("cable.line_duplicate", MINOR, "ctrl_unicite", "câble dessiné deux fois dans t_cableline"),
    Rule("segment.ends_off_nodes", MINOR, "ctrl_topo", "extrémité d'un cheminement loin de son nœud"),
    Rule("pbo.outside_zone", MINOR, "ctrl_topo", "PBO hors de sa zone t_zpbo"),
    Rule("pbo.capacity", MINOR, "ctrl_metier", "capacité du câble du PBO inférieure au nombre de locaux desservis"),
    Rule("pbo.zone_ambiguous", MAJOR, "ctrl_metier", "zone PBO dont le nœud porte zéro ou plusieurs PBO"),
    Rule("pbo.inferred", MINOR, "ctrl_metier", "local sans PBO : PBO déduit (zone t_zpbo ou PBO le plus proche)"),
    Rule("pbo.unserved", MAJOR, "ctrl_metier", "local sans PBO et aucun PBO à distance : non desservi"),
    Rule("enclosure.unplaced", MAJOR, "ctrl_remplissage", "boîtier sans point technique ni SUF/local : ignoré"),
    Rule("site.not_network", MINOR, "-", "site sans local technique NRO/SRO : hors graphe (v3)"),
]
RULES = {r.id: r for r in _RULES}


@dataclass
class Fault:
    """One line of the report. `row` is the record number (1 = first record, 0 = the file)."""

    rule: str
    severity: str
    table: str       # file label, e.g. "t_cheminement.shp"
    row: int
    field: str
    message: str
    code: str = ""
    geom: object = None  # shapely geometry (EPSG:2154) the fault concerns, or None

    @property
    def line(self) -> str:
        return f"{self.table}:{self.row}: {self.field}: {self.message}"

    def as_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "reference": RULES[self.rule].reference,
                "table": self.table, "row": self.row, "code": self.code, "field": self.field,
                "message": self.message}


class Report(list):
    """The faults of one import, severities resolved through the network's overrides."""

    def __init__(self, overrides: dict | None = None):
        super().__init__()
        self.overrides = overrides or {}

    def add(self, table: str, row: int, field_name: str, message: str, rule: str, code: str = "", geom=None) -> Fault:
        severity = self.overrides.get(rule) or RULES[rule].severity
        fault = Fault(rule, severity, table, row, field_name, message, code or "", geom)
        self.append(fault)
        return fault

    @property
    def blocking(self) -> list[Fault]:
        return [f for f in self if f.severity == BLOCKING]

    def counts(self) -> dict:
        out = {s: 0 for s in SEVERITIES}
        for f in self:
            out[f.severity] += 1
        return out

    def by_rule(self) -> dict:
        out = {}
        for f in self:
            out[f.rule] = out.get(f.rule, 0) + 1
        return dict(sorted(out.items()))
