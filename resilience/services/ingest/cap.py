"""CAP 1.2 (OASIS Common Alerting Protocol) → ParsedAlert.

Security first: the bytes go through defusedxml with DTDs forbidden (no DOCTYPE, no entity
declaration is even read, so no XXE and no "billion laughs"), then lxml with entity resolution
and network access off for the XSD validation (which reports the line of each violation).
No maintained Python CAP library validates against the 1.2 XSD and parses every area kind
(`capparselib` is unmaintained, `cap-parser` lacks circles/geocodes), hence lxml + the OASIS XSD
shipped in resilience/data/cap12.xsd.

Choices (docs/alerts.md): the French `<info>` (fr-FR, fr-CA, fr…) else the first; every `<area>`
of that info unioned; `<polygon>` is lat,lon pairs (WGS84) and must be closed; `<circle>` is
lat,lon radius_km buffered in Lambert-93; `<geocode>` INSEE communes, département codes, and
Météo-France NUTS3 / EMMA_ID (table below, else the areaDesc naming a département).
"""
import functools
import re
import unicodedata
from datetime import datetime
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.contrib.gis.geos import LinearRing, LineString, Point, Polygon
from django.utils.translation import gettext_lazy as _
from lxml import etree

from network.models import Commune, Departement

from .common import ParsedAlert, check_expiry, refuse, union_areas, IngestError

NS = "urn:oasis:names:tc:emergency:cap:1.2"
XSD_PATH = Path(__file__).resolve().parents[2] / "data" / "cap12.xsd"

# MeteoAlarm awareness_type (first number) → hazard.
AWARENESS_TYPES = {
    1: "wind", 2: "snow_ice", 3: "thunderstorm", 4: "other", 5: "heat", 6: "cold", 7: "coastal_submersion",
    8: "other", 9: "other", 10: "rain_flood", 12: "river_flood", 13: "rain_flood",
}
SEVERITY_LEVELS = {"Extreme": 4, "Severe": 3, "Moderate": 2, "Minor": 1, "Unknown": 2}
STATUSES = {"Actual": "actual", "Exercise": "exercise", "Test": "test", "System": "test"}
# Keyword guess when no awareness_type is given (event, then category), first match wins.
EVENT_KEYWORDS = [
    ("tsunami", "coastal_submersion"), ("submersion", "coastal_submersion"), ("storm surge", "coastal_submersion"),
    ("vague", "coastal_submersion"), ("coastal", "coastal_submersion"),
    ("orage", "thunderstorm"), ("thunder", "thunderstorm"),
    ("crue", "river_flood"), ("river", "river_flood"), ("flood", "rain_flood"), ("inondation", "rain_flood"),
    ("pluie", "rain_flood"), ("rain", "rain_flood"), ("monsoon", "rain_flood"),
    ("hurricane", "wind"), ("cyclone", "wind"), ("typhoon", "wind"), ("wind", "wind"), ("vent", "wind"),
    ("tempête", "wind"), ("tornado", "wind"),
    ("snow", "snow_ice"), ("neige", "snow_ice"), ("ice", "snow_ice"), ("verglas", "snow_ice"), ("blizzard", "snow_ice"),
    ("heat", "heat"), ("canicule", "heat"), ("chaleur", "heat"), ("cold", "cold"), ("froid", "cold"),
]
# Météo-France CAP names départements by NUTS3: every département and overseas département, in the
# NUTS 2013 codes (old regions, FR1xx-FR8xx, FRAx0) and the NUTS 2016/2021 codes (FRB-FRM, FRYx0),
# which Eurostat kept unchanged for France in 2021. Source: Eurostat NUTS classifications.
_NUTS_REGIONS = {
    # NUTS 2016 / 2021
    "FR10": "75 77 78 91 92 93 94 95", "FRB0": "18 28 36 37 41 45", "FRC1": "21 58 71 89", "FRC2": "25 39 70 90",
    "FRD1": "14 50 61", "FRD2": "27 76", "FRE1": "59 62", "FRE2": "02 60 80", "FRF1": "67 68",
    "FRF2": "08 10 51 52", "FRF3": "54 55 57 88", "FRG0": "44 49 53 72 85", "FRH0": "22 29 35 56",
    "FRI1": "24 33 40 47 64", "FRI2": "19 23 87", "FRI3": "16 17 79 86", "FRJ1": "11 30 34 48 66",
    "FRJ2": "09 12 31 32 46 65 81 82", "FRK1": "03 15 43 63", "FRK2": "01 07 26 38 42 69 73 74",
    "FRL0": "04 05 06 13 83 84", "FRM0": "2A 2B",
    # NUTS 2013
    "FR21": "08 10 51 52", "FR22": "02 60 80", "FR23": "27 76", "FR24": "18 28 36 37 41 45", "FR25": "14 50 61",
    "FR26": "21 58 71 89", "FR30": "59 62", "FR41": "54 55 57 88", "FR42": "67 68", "FR43": "25 39 70 90",
    "FR51": "44 49 53 72 85", "FR52": "22 29 35 56", "FR53": "16 17 79 86", "FR61": "24 33 40 47 64",
    "FR62": "09 12 31 32 46 65 81 82", "FR63": "19 23 87", "FR71": "01 07 26 38 42 69 73 74",
    "FR72": "03 15 43 63", "FR81": "11 30 34 48 66", "FR82": "04 05 06 13 83 84", "FR83": "2A 2B",
}
NUTS3_DEPARTEMENTS = {f"{region}{i}": dep for region, deps in _NUTS_REGIONS.items()
                      for i, dep in enumerate(deps.split(), start=1)}
NUTS3_DEPARTEMENTS.update({  # overseas: one NUTS3 each
    "FRY10": "971", "FRY20": "972", "FRY30": "973", "FRY40": "974", "FRY50": "976",
    "FRA10": "971", "FRA20": "972", "FRA30": "973", "FRA40": "974", "FRA50": "976",
})
# Colour words of an awareness_level ("5; violet; ..."), cyclone vigilance beyond red included.
COLOUR_WORDS = [("violet", 5), ("purple", 5), ("gris", 6), ("grey", 6), ("gray", 6), ("red", 4), ("rouge", 4),
                ("orange", 3), ("yellow", 2), ("jaune", 2), ("green", 1), ("vert", 1)]
DEPARTEMENT_NAMES = {"DEPARTEMENT", "DÉPARTEMENT", "DEP", "CODE_DEPARTEMENT", "INSEE_DEP", "CODE_DEP", "DEPT"}
COMMUNE_NAMES = {"INSEE", "INSEE_COM", "CODE_INSEE", "COMMUNE", "INSEE_COMMUNE"}


@functools.cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(XSD_PATH), parser))


def secure_parse(payload: bytes):
    """Parse XML refusing any DTD/entity without expanding it; return the lxml tree (line numbers)."""
    if len(payload) > settings.ALERTS_MAX_PAYLOAD_BYTES:
        raise refuse("", _("message trop volumineux"), status=413)
    try:
        SafeET.fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise refuse("", _("déclaration DOCTYPE/entité refusée (%(what)s) : rien n'a été développé")
                     % {"what": exc.__class__.__name__}) from None
    except LookupError as exc:  # <?xml ... encoding="UTF-9"?>: expat names the encoding it does not know
        raise refuse("", _("encodage XML inconnu : %(enc)s (UTF-8 attendu)")
                     % {"enc": str(exc).removeprefix("unknown encoding: ")}) from None
    except SafeET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        raise refuse("", _("ce n'est pas du XML bien formé (ligne %(line)s) : %(msg)s") % {"line": line, "msg": exc}) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(payload, parser)
    except etree.XMLSyntaxError as exc:
        raise refuse("", _("ce n'est pas du XML bien formé (ligne %(line)s) : %(msg)s") % {"line": exc.lineno, "msg": exc}) from None


def validate(root) -> None:
    if root.tag != f"{{{NS}}}alert":
        ns = etree.QName(root).namespace or ""
        raise refuse("alert", _("élément racine %(tag)s inconnu : attendu <alert> de l'espace de noms %(ns)s (CAP 1.2), reçu %(got)s")
                     % {"tag": etree.QName(root).localname, "ns": NS, "got": ns or "sans espace de noms"})
    xsd = schema()
    if not xsd.validate(root):
        errors = []
        for e in list(xsd.error_log)[:10]:
            errors.append({"path": _xpath_of(root, e), "reason": _("non conforme au schéma CAP 1.2 à la ligne %(line)s : %(msg)s")
                           % {"line": e.line, "msg": e.message}})
        raise IngestError(errors)


def _xpath_of(root, error) -> str:
    """A readable path (alert.info.0.certainty) of the element an XSD error points at."""
    try:
        found = root.getroottree().xpath(error.path)
    except (etree.XPathError, TypeError):
        found = []
    if not found:
        return "alert"
    names = []
    el = found[0]
    while el is not None:
        name = etree.QName(el).localname
        parent = el.getparent()
        if parent is not None and name in ("info", "area", "resource", "parameter", "geocode", "polygon", "circle"):
            name = f"{name}.{[c for c in parent if c.tag == el.tag].index(el)}"
        names.append(name)
        el = parent
    return ".".join(reversed(names))


def text(el, name, default=""):
    child = el.find(f"{{{NS}}}{name}")
    return (child.text or "").strip() if child is not None and child.text else default


def texts(el, name):
    return [(c.text or "").strip() for c in el.findall(f"{{{NS}}}{name}")]


def parse_time(value: str, path: str):
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise refuse(path, _("date invalide : %(v)s") % {"v": value}) from None


def parse_references(value: str):
    refs = []
    for triple in value.split():
        parts = triple.split(",")
        if len(parts) != 3:
            raise refuse("references", _("référence invalide %(r)s : attendu expéditeur,identifiant,date") % {"r": triple})
        refs.append(tuple(parts))
    return refs


def parse(payload: bytes, *, now, allow_expired=False) -> list[ParsedAlert]:
    root = secure_parse(payload)
    validate(root)
    msg_type = text(root, "msgType")
    status = text(root, "status")
    if msg_type not in ("Alert", "Update", "Cancel"):
        raise refuse("msgType", _("type de message %(t)s non pris en charge (Alert, Update, Cancel)") % {"t": msg_type})
    if status not in STATUSES:
        raise refuse("status", _("statut %(s)s non pris en charge (Actual, Exercise, Test, System)") % {"s": status})
    references = parse_references(text(root, "references"))
    if msg_type in ("Update", "Cancel") and not references:
        raise refuse("references", _("un message %(t)s doit nommer les messages qu'il remplace") % {"t": msg_type})
    parsed = ParsedAlert(
        source="cap", sender=text(root, "sender"), identifier=text(root, "identifier"),
        sent=parse_time(text(root, "sent"), "sent"), msg_type=msg_type, references=references,
        status=STATUSES[status],
    )
    infos = root.findall(f"{{{NS}}}info")
    if msg_type == "Cancel":
        return [parsed]
    if not infos:
        raise refuse("info", _("aucun bloc <info> : ni aléa ni zone"))
    chosen = chosen_infos(infos)
    languages = [text(i, "language", "en-US") for i in infos]
    by_hazard: dict = {}
    for index, info in chosen:
        one = read_info(info, f"info.{index}", parsed)
        by_hazard.setdefault(one["hazard"], []).append(one)
    if len(by_hazard) > 1:  # several phenomena (Météo-France: one <info> per phenomenon): drop the green ones
        by_hazard = {h: v for h, v in by_hazard.items() if max(o["level"] for o in v) >= 2} or by_hazard
    out = []
    for hazard, ones in by_hazard.items():
        top = max(ones, key=lambda o: o["level"])
        alert = ParsedAlert(
            source="cap", sender=parsed.sender,
            identifier=parsed.identifier if len(by_hazard) == 1 else f"{parsed.identifier}#{hazard}",
            sent=parsed.sent, msg_type=msg_type, references=references, status=parsed.status,
            hazard=hazard, level=top["level"], language=top["language"], event=top["event"],
            headline=top["headline"], description=top["description"],
            onset=min((o["onset"] for o in ones if o["onset"]), default=None),
            expires=max((o["expires"] for o in ones if o["expires"]), default=None) if all(o["expires"] for o in ones) else None,
            details={"languages": languages, "parameters": top["params"], "severity": top["severity"],
                     "urgency": top["urgency"], "certainty": top["certainty"], "categories": top["categories"],
                     "infos": [o["path"] for o in ones]},
        )
        check_expiry(alert, allow_expired, now, path=f"{top['path']}.expires")
        place(alert, ones)
        out.append(alert)
    return out


def chosen_infos(infos):
    """(index, info) of the French <info> blocks (fr-FR, fr-CA…), else of the first block's language."""
    french = [(i, info) for i, info in enumerate(infos) if text(info, "language", "en-US").lower().startswith("fr")]
    if french:
        return french
    first = text(infos[0], "language", "en-US").lower()
    return [(i, info) for i, info in enumerate(infos) if text(info, "language", "en-US").lower() == first]


def read_info(info, ipath, parsed) -> dict:
    params = {}
    for p in info.findall(f"{{{NS}}}parameter"):
        params[text(p, "valueName")] = text(p, "value")
    hazard, level = hazard_and_level(info, params, ipath)
    return {
        "path": ipath, "info": info, "params": params, "hazard": hazard, "level": level,
        "language": text(info, "language", "en-US"), "event": text(info, "event")[:255],
        "headline": text(info, "headline")[:500], "description": text(info, "description"),
        "onset": parse_time(text(info, "onset") or text(info, "effective"), f"{ipath}.onset") or parsed.sent,
        "expires": parse_time(text(info, "expires"), f"{ipath}.expires"),
        "severity": text(info, "severity"), "urgency": text(info, "urgency"), "certainty": text(info, "certainty"),
        "categories": texts(info, "category"),
    }


def place(parsed: ParsedAlert, ones) -> None:
    """Area, départements and communes of the union of the <area> blocks of these <info> blocks."""
    areas, deps, communes, descs = [], set(), set(), []
    for one in ones:
        for a_index, area in enumerate(one["info"].findall(f"{{{NS}}}area")):
            apath = f"{one['path']}.area.{a_index}"
            desc = text(area, "areaDesc")
            if desc not in descs:
                descs.append(desc)
            for p_index, poly in enumerate(texts(area, "polygon")):
                if poly:
                    areas.append(parse_polygon(poly, f"{apath}.polygon.{p_index}"))
            for c_index, circle in enumerate(texts(area, "circle")):
                areas.append(parse_circle(circle, f"{apath}.circle.{c_index}"))
            for g_index, geocode in enumerate(area.findall(f"{{{NS}}}geocode")):
                kind, code = resolve_geocode(text(geocode, "valueName"), text(geocode, "value"), desc,
                                             f"{apath}.geocode.{g_index}")
                if kind == "departement":
                    deps.add(code)
                elif kind == "commune":
                    communes.add(code)
    if not areas and not deps and not communes:
        # Valid CAP naming its area only in words or by foreign geocodes: kept, not placed on the map.
        parsed.details["unlocated"] = True

    areas += [d.geom for d in Departement.objects.filter(code__in=deps)]
    areas += [c.geom for c in Commune.objects.filter(insee__in=communes)]
    parsed.area = union_areas(areas)
    parsed.departements = sorted(deps | set(Commune.objects.filter(insee__in=communes).values_list("departement_id", flat=True)))
    parsed.communes = sorted(communes)
    parsed.area_description = "; ".join(d for d in descs if d)


def hazard_and_level(info, params, ipath):
    level = hazard = None
    if params.get("awareness_level"):
        m = re.match(r"\s*(\d)", params["awareness_level"])
        colour = next((n for word, n in COLOUR_WORDS if word in params["awareness_level"].lower()), None)
        if (not m or not 1 <= int(m.group(1)) <= 6) and colour is None:
            raise refuse(f"{ipath}.parameter.awareness_level", _("niveau %(v)s inconnu (1 à 6)") % {"v": params["awareness_level"]})
        level = int(m.group(1)) if m and 1 <= int(m.group(1)) <= 6 else colour
    if params.get("awareness_type"):
        m = re.match(r"\s*(\d+)", params["awareness_type"])
        if not m or int(m.group(1)) not in AWARENESS_TYPES:
            raise refuse(f"{ipath}.parameter.awareness_type", _("type d'aléa %(v)s inconnu") % {"v": params["awareness_type"]})
        hazard = AWARENESS_TYPES[int(m.group(1))]
    if level is None:
        level = SEVERITY_LEVELS.get(text(info, "severity"), 2)
    if hazard is None:
        haystack = (text(info, "event") + " " + " ".join(texts(info, "category"))).lower()
        hazard = next((h for word, h in EVENT_KEYWORDS if word in haystack), "other")
    return hazard, level


def _lonlat_pairs(value: str, path: str):
    pairs = []
    for token in value.split():
        try:
            lat, lon = (float(x) for x in token.split(","))
        except ValueError:
            raise refuse(path, _("coordonnée invalide %(t)s : attendu latitude,longitude") % {"t": token}) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise refuse(path, _("coordonnée hors limites %(t)s (latitude en premier)") % {"t": token})
        pairs.append((lon, lat))
    return pairs


def parse_polygon(value: str, path: str):
    pairs = _lonlat_pairs(value, path)
    if len(pairs) < 2:
        raise refuse(path, _("polygone de moins de 4 points"))
    if pairs[0] != pairs[-1]:
        raise refuse(path, _("polygone non fermé : le premier point %(a)s et le dernier %(b)s diffèrent")
                     % {"a": f"{pairs[0][1]},{pairs[0][0]}", "b": f"{pairs[-1][1]},{pairs[-1][0]}"})
    if len(pairs) < 4:  # degenerate (a line drawn as a polygon, seen in real DWD alerts): buffered
        line = LineString(pairs, srid=4326)
        line.transform(2154)
        return line.buffer(settings.ALERTS_MIN_CIRCLE_RADIUS_M, 8)
    poly = Polygon(LinearRing(pairs), srid=4326)
    poly.transform(2154)
    if not poly.valid:
        poly = poly.buffer(0)
    if poly.empty or poly.area == 0:
        raise refuse(path, _("polygone d'aire nulle"))
    return poly


def parse_circle(value: str, path: str):
    try:
        centre, radius = value.split()
        (lon, lat), = _lonlat_pairs(centre, path)
        radius_m = float(radius) * 1000
    except (ValueError, IngestError):
        raise refuse(path, _("cercle invalide %(v)s : attendu « latitude,longitude rayon_km »") % {"v": value}) from None
    if radius_m < 0:
        raise refuse(path, _("rayon négatif"))
    point = Point(lon, lat, srid=4326)
    point.transform(2154)
    return point.buffer(max(radius_m, settings.ALERTS_MIN_CIRCLE_RADIUS_M), 16)


def _fold(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name.lower()) if unicodedata.category(c) != "Mn").replace("-", " ").strip()


def resolve_geocode(name: str, value: str, area_desc: str, path: str):
    """(kind, code) for a geocode, or refuse with "unknown geocode"."""
    upper = name.strip().upper()
    value = value.strip()
    if upper in COMMUNE_NAMES:
        if Commune.objects.filter(insee=value).exists():
            return "commune", value
        from network.services.boundaries import resolve_commune

        current, _warning = resolve_commune(value)  # a commune merged since: its commune nouvelle
        if current is not None:
            return "commune", current.insee
        raise refuse(path, _("géocode inconnu : commune INSEE %(v)s absente du référentiel") % {"v": value})
    if upper in DEPARTEMENT_NAMES:
        value = value.upper().zfill(2) if len(value) < 2 else value.upper()
        if Departement.objects.filter(code=value).exists():
            return "departement", value
        raise refuse(path, _("géocode inconnu : département %(v)s") % {"v": value})
    if upper in ("NUTS3", "EMMA_ID"):
        code = NUTS3_DEPARTEMENTS.get(value.upper())
        m = re.fullmatch(r"FR(\d{3}|0?2[AB])", value.upper()) if upper == "EMMA_ID" and code is None else None
        if m:  # MeteoAlarm EMMA_ID FR0dd / FR02A; overseas FR971…FR976
            digits = m.group(1)
            code = digits if digits in ("971", "972", "973", "974", "976") else digits[-2:]
            code = code if Departement.objects.filter(code=code).exists() else None
        if code is None and area_desc:
            folded = _fold(area_desc)
            for dep_code, dep_name in Departement.objects.values_list("code", "name"):
                if _fold(dep_name) == folded:
                    code = dep_code
                    break
        if code is None or not value.upper().startswith("FR"):
            if value.upper().startswith("FR"):
                raise refuse(path, _("géocode inconnu : %(n)s %(v)s (ni table NUTS3, ni département nommé « %(d)s »)")
                             % {"n": name, "v": value, "d": area_desc})
            return "foreign", value
        return "departement", code
    return "other", value  # FIPS, SAME, UGC, … : outside France, geometry comes from polygons/circles
