"""Météo-France vigilance JSON (`warning/full`, `warning/currentphenomenons`) → ParsedAlert.

One alert per (domain, phenomenon) at yellow or above; a phenomenon at green ends the active
alert of that (domain, phenomenon). A bulletin that changes a phenomenon already in vigilance
creates a new alert (identifier carries the bulletin's update_time) that supersedes the active one:
each bulletin is an Update. Coastal domains (`2910` = coast of 29) are département 29, and their
phenomenon is vagues-submersion; the alert area is the département (no coastal strip geometry is
shipped: the flood-zone layer narrows submersion exposure, docs/alerts.md).
"""
import json
from datetime import datetime, timezone as dt_timezone

from django.utils.translation import gettext_lazy as _

from defusedxml import DefusedXmlException, ElementTree as SafeET
from network.models import Departement

from .common import ParsedAlert, check_expiry, departement_geoms, refuse, union_areas
from ...models import Alert, Lifecycle

SENDER = "vigilance@meteo.fr"
PHENOMENA = {
    1: "wind", 2: "rain_flood", 3: "thunderstorm", 4: "river_flood", 5: "snow_ice", 6: "heat", 7: "cold",
    8: "other", 9: "coastal_submersion", 10: "wind",
}
PHENOMENON_NAMES = {1: "vent violent", 2: "pluie-inondation", 3: "orages", 4: "crues", 5: "neige-verglas",
                    6: "canicule", 7: "grand froid", 8: "avalanches", 9: "vagues-submersion", 10: "cyclone"}
# 5 violet and 6 grey: the overseas cyclone vigilance (resilience.models.alert.Level)
COLOURS = {1: "vert", 2: "jaune", 3: "orange", 4: "rouge", 5: "violet", 6: "gris"}


def departement_of(domain: str) -> tuple[str, bool]:
    """('29', True) for the coastal domain '2910'; ('13', False) for '13'."""
    if len(domain) == 4 and domain.endswith("10") and not domain.startswith("97"):
        return domain[:2], True
    return domain, False


def _epoch(value, path):
    if value in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=dt_timezone.utc)
    except (TypeError, ValueError):
        raise refuse(path, _("horodatage invalide : %(v)s") % {"v": value}) from None


def parse(payload: bytes, *, now, allow_expired=False) -> list[ParsedAlert]:
    if payload.lstrip()[:1] == b"<":
        return parse_national_xml(payload, now=now, allow_expired=allow_expired)
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise refuse("", _("ce n'est pas du JSON : %(e)s") % {"e": exc}) from None
    if isinstance(doc, dict) and isinstance(doc.get("product"), dict) and "periods" in doc["product"]:
        return parse_map(doc["product"], now=now, allow_expired=allow_expired)
    if not isinstance(doc, dict) or "domain_id" not in doc:
        raise refuse("domain_id", _("champ obligatoire absent : ce n'est pas un bulletin de vigilance"))
    domain = str(doc["domain_id"])
    dep, coastal = departement_of(domain)

    if not Departement.objects.filter(code=dep).exists():
        raise refuse("domain_id", _("domaine %(d)s : département %(dep)s inconnu") % {"d": domain, "dep": dep})
    if "phenomenons_items" in doc:
        items, key = doc["phenomenons_items"], "phenomenons_items"
    elif "phenomenons_max_colors" in doc:
        items, key = doc["phenomenons_max_colors"], "phenomenons_max_colors"
    else:
        raise refuse("phenomenons_items", _("ni phenomenons_items ni phenomenons_max_colors"))
    update_time = _epoch(doc.get("update_time"), "update_time")
    expires = _epoch(doc.get("end_validity_time"), "end_validity_time")
    onsets = {}
    for t in doc.get("timelaps") or []:
        steps = [s for s in t.get("timelaps_items") or [] if int(s.get("color_id", 1)) >= 2]
        if steps:
            onsets[int(t["phenomenon_id"])] = _epoch(min(s["begin_time"] for s in steps), "timelaps")
    area = union_areas(departement_geoms([dep]))
    out = []
    for index, item in enumerate(items):
        path = f"{key}.{index}"
        try:
            phen = int(item["phenomenon_id"])
            colour = int(item["phenomenon_max_color_id"])
        except (KeyError, TypeError, ValueError):
            raise refuse(path, _("phenomenon_id / phenomenon_max_color_id absent ou non entier")) from None
        if phen not in PHENOMENA:
            raise refuse(f"{path}.phenomenon_id", _("phénomène %(p)s inconnu (1 à 10)") % {"p": phen})
        if colour not in COLOURS:
            raise refuse(f"{path}.phenomenon_max_color_id", _("couleur %(c)s inconnue (1 à 6)") % {"c": colour})
        key_details = {"domain": domain, "phenomenon": phen}
        if colour < 2:
            out.append(ParsedAlert(source="vigilance", sender=SENDER, identifier=f"end-{domain}-{phen}", msg_type="End",
                                   supersede_active=key_details))
            continue
        hazard = "coastal_submersion" if coastal and phen == 9 else PHENOMENA[phen]
        stamp = int(doc.get("update_time") or 0)
        parsed = ParsedAlert(
            source="vigilance", sender=SENDER, identifier=f"FR-VIGILANCE-{domain}-{phen}-{stamp}",
            hazard=hazard, level=colour, sent=update_time, msg_type="Update", language="fr-FR",
            event=f"Vigilance {COLOURS[colour]} {PHENOMENON_NAMES[phen]}",
            headline=f"Vigilance {COLOURS[colour]} {PHENOMENON_NAMES[phen]} – {dep}{' (littoral)' if coastal else ''}",
            onset=onsets.get(phen) or update_time, expires=expires, area=area, area_description=f"domaine {domain}",
            departements=[dep], details={**key_details, "coastal": coastal, "bulletin": key},
            supersede_active=key_details,
        )
        check_expiry(parsed, allow_expired, now, path="end_validity_time")
        out.append(parsed)
    return out


def parse_national_xml(payload: bytes, *, now, allow_expired=False) -> list[ParsedAlert]:
    """The older national XML bulletin (`NXFR33`): `<DV dep=".." coul="..">` per domain with one
    `<risque val="..">` per phenomenon above green. The bulletin gives one colour per domain, not per
    phenomenon: each listed phenomenon gets the domain's colour (an upper bound, docs/alerts.md).
    Active vigilance alerts of a domain whose phenomenon is no longer listed end."""
    try:
        root = SafeET.fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise refuse("", _("déclaration DOCTYPE/entité refusée (%(what)s)") % {"what": exc.__class__.__name__}) from None
    except SafeET.ParseError as exc:
        raise refuse("", _("ce n'est pas du XML bien formé : %(e)s") % {"e": exc}) from None
    if root.tag != "CV":
        raise refuse("CV", _("élément racine %(t)s : attendu <CV> (bulletin national de vigilance)") % {"t": root.tag})
    ev = root.find("EV")

    def stamp(name):
        value = ev.get(name) if ev is not None else None
        if not value:
            return None
        try:
            return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=dt_timezone.utc)
        except ValueError:
            raise refuse(f"EV.{name}", _("date invalide : %(v)s") % {"v": value}) from None

    issued, expires = stamp("daterun") or stamp("dateinsert"), stamp("dateprevue")

    known = set(Departement.objects.values_list("code", flat=True))
    active = set(Alert.objects.filter(source="vigilance", lifecycle=Lifecycle.ACTIVE)
                 .values_list("details__domain", "details__phenomenon"))
    out = []
    version = int(issued.timestamp()) if issued else 0
    for index, dv in enumerate(root.findall("DV")):
        domain = dv.get("dep", "")
        dep, coastal = departement_of(domain)
        if dep not in known:
            continue  # overseas or unknown domain: no boundary shipped
        try:
            colour = int(dv.get("coul", ""))
        except ValueError:
            raise refuse(f"DV.{index}.coul", _("couleur absente ou non entière")) from None
        if colour not in COLOURS:
            raise refuse(f"DV.{index}.coul", _("couleur %(c)s inconnue (1 à 6)") % {"c": colour})
        listed = set()
        if colour >= 2:
            for r_index, risk in enumerate(dv.findall("risque")):
                try:
                    phen = int(risk.get("val", ""))
                except ValueError:
                    raise refuse(f"DV.{index}.risque.{r_index}", _("phénomène non entier")) from None
                if phen not in PHENOMENA:
                    raise refuse(f"DV.{index}.risque.{r_index}", _("phénomène %(p)s inconnu (1 à 9)") % {"p": phen})
                listed.add(phen)
        for phen in sorted(listed):
            key = {"domain": domain, "phenomenon": phen}
            parsed = ParsedAlert(
                source="vigilance", sender=SENDER, identifier=f"FR-VIGILANCE-{domain}-{phen}-{version}",
                hazard="coastal_submersion" if coastal and phen == 9 else PHENOMENA[phen], level=colour, sent=issued,
                msg_type="Update", language="fr-FR", event=f"Vigilance {COLOURS[colour]} {PHENOMENON_NAMES[phen]}",
                headline=f"Vigilance {COLOURS[colour]} {PHENOMENON_NAMES[phen]} – {dep}{' (littoral)' if coastal else ''}",
                onset=issued, expires=expires, area=union_areas(departement_geoms([dep])),
                area_description=f"domaine {domain}", departements=[dep],
                details={**key, "coastal": coastal, "bulletin": "NXFR33", "colour_of": "domain"}, supersede_active=key,
            )
            check_expiry(parsed, allow_expired, now, path="EV.dateprevue")
            out.append(parsed)
        for act_domain, act_phen in active:
            if act_domain == domain and act_phen not in listed:
                out.append(ParsedAlert(source="vigilance", sender=SENDER, identifier=f"end-{domain}-{act_phen}",
                                       msg_type="End", supersede_active={"domain": domain, "phenomenon": act_phen}))
    return out


def _iso(value, path):
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise refuse(path, _("date invalide : %(v)s") % {"v": value}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt_timezone.utc)


def parse_map(product: dict, *, now, allow_expired=False) -> list[ParsedAlert]:
    """The national vigilance map of the Météo-France public API (DPVigilance `cartevigilance/encours`):
    `product.periods[]` (`echeance` J = today, J1 = tomorrow), each with `timelaps.domain_ids[]`, each
    domain with its `phenomenon_items[]`. Only today's period (J, else the first) is read: tomorrow's
    colours are a forecast the next bulletin confirms. Same alerts as the per-département JSON;
    domains without a shipped boundary (the national `FRA`, sea areas) are skipped."""
    from network.models import Departement

    periods = [p for p in product.get("periods") or [] if isinstance(p, dict)]
    if not periods:
        raise refuse("product.periods", _("aucune période dans la carte de vigilance"))
    index, period = next(((i, p) for i, p in enumerate(periods) if p.get("echeance") == "J"), (0, periods[0]))
    path = f"product.periods.{index}"
    update_time = _iso(product.get("update_time"), "product.update_time")
    expires = _iso(period.get("end_validity_time"), f"{path}.end_validity_time")
    domains = ((period.get("timelaps") or {}).get("domain_ids")) or []
    known = set(Departement.objects.values_list("code", flat=True))
    stamp = int(update_time.timestamp()) if update_time else 0
    out = []
    for d_index, entry in enumerate(domains):
        if not isinstance(entry, dict):
            raise refuse(f"{path}.timelaps.domain_ids.{d_index}", _("domaine mal formé"))
        domain = str(entry.get("domain_id", ""))
        dep, coastal = departement_of(domain)
        if dep not in known:
            continue
        area = None
        for p_index, item in enumerate(entry.get("phenomenon_items") or []):
            ipath = f"{path}.timelaps.domain_ids.{d_index}.phenomenon_items.{p_index}"
            try:
                phen, colour = int(item["phenomenon_id"]), int(item["phenomenon_max_color_id"])
            except (KeyError, TypeError, ValueError):
                raise refuse(ipath, _("phenomenon_id / phenomenon_max_color_id absent ou non entier")) from None
            if phen not in PHENOMENA:
                raise refuse(f"{ipath}.phenomenon_id", _("phénomène %(p)s inconnu (1 à 10)") % {"p": phen})
            if colour not in COLOURS:
                raise refuse(f"{ipath}.phenomenon_max_color_id", _("couleur %(c)s inconnue (1 à 6)") % {"c": colour})
            key = {"domain": domain, "phenomenon": phen}
            if colour < 2:
                out.append(ParsedAlert(source="vigilance", sender=SENDER, identifier=f"end-{domain}-{phen}",
                                       msg_type="End", supersede_active=key))
                continue
            steps = [t for t in item.get("timelaps_items") or [] if isinstance(t, dict) and int(t.get("color_id") or 1) >= 2]
            onset = _iso(min(str(t.get("begin_time")) for t in steps), f"{ipath}.timelaps_items") if steps else None
            area = area or union_areas(departement_geoms([dep]))
            hazard = "coastal_submersion" if coastal and phen == 9 else PHENOMENA[phen]
            parsed = ParsedAlert(
                source="vigilance", sender=SENDER, identifier=f"FR-VIGILANCE-{domain}-{phen}-{stamp}",
                hazard=hazard, level=colour, sent=update_time, msg_type="Update", language="fr-FR",
                event=f"Vigilance {COLOURS[colour]} {PHENOMENON_NAMES[phen]}",
                headline=f"Vigilance {COLOURS[colour]} {PHENOMENON_NAMES[phen]} – {dep}{' (littoral)' if coastal else ''}",
                onset=onset or update_time, expires=expires, area=area, area_description=f"domaine {domain}",
                departements=[dep], details={**key, "coastal": coastal, "bulletin": "cartevigilance"},
                supersede_active=key,
            )
            check_expiry(parsed, allow_expired, now, path=f"{path}.end_validity_time")
            out.append(parsed)
    return out
