"""Vigicrues flood-watch bulletin (API v1.1 JSON-LD, `InfoVigiCru`) → ParsedAlert.

The bulletin's `estLaSyntheseDe[]` gives the level of each child entity. What we can place on a
map with the data available:

- département children (`TypEntVigiCru` 4, the national synthesis `TypEntVigiCru=4`): one alert
  per département at yellow or above, hazard river_flood, area = the département; a département
  back to green ends its alert. Exposure then keeps only assets inside the flood-zone layer
  (`FloodZone`) where one covers the area (docs/alerts.md).
- tronçons (8) whose line was loaded from the Vigicrues reach feed (`FloodReach`,
  `load_vigicrues_reaches`): one alert per reach at yellow or above, area = the reach's line
  buffered by settings.VIGICRUES_REACH_BUFFER_M (500 m by default: the river's flood plain at the
  scale of a network, narrowed further by the flood-zone layer where one is loaded); a reach back
  to green ends its alert.
- other tronçons and territories (5): the bulletin gives no geometry for them. They are kept in
  `details["sections"]` of the département alerts; a bulletin naming ONLY such entities in
  vigilance is refused with that reason rather than guessed onto a map.
"""
import json
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from network.models import Departement

from .common import ParsedAlert, check_expiry, departement_geoms, refuse, union_areas

SENDER = "vigicrues.gouv.fr"
LEVELS = {1: "vert", 2: "jaune", 3: "orange", 4: "rouge"}


def _time(value, path):
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise refuse(path, _("date invalide : %(v)s") % {"v": value}) from None


def parse(payload: bytes, *, now, allow_expired=False) -> list[ParsedAlert]:
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise refuse("", _("ce n'est pas du JSON : %(e)s") % {"e": exc}) from None
    info = doc.get("vic:InfoVigiCru") if isinstance(doc, dict) else None
    if not isinstance(info, dict):
        raise refuse("vic:InfoVigiCru", _("absent : ce n'est pas un bulletin Vigicrues (InfoVigiCru)"))
    ref = info.get("vic:RefInfoVigiCru") or ""
    issued = _time(info.get("vic:DtHrInfoVigiCru"), "vic:InfoVigiCru.vic:DtHrInfoVigiCru")
    next_issue = _time(info.get("vic:DtHrSuivInfoVigiCru"), "vic:InfoVigiCru.vic:DtHrSuivInfoVigiCru")
    children = info.get("vic:estLaSyntheseDe") or []

    from ...models import FloodReach

    known = set(Departement.objects.values_list("code", flat=True))
    reach_codes = [str((c.get("vic:porteSurLEntite") or {}).get("vic:CdEntVigiCru", "")) for c in children
                   if isinstance(c, dict)]
    known_reaches = dict(FloodReach.objects.filter(code__in=reach_codes).values_list("code", "name"))
    deps, sections, reaches = [], [], []
    for index, child in enumerate(children):
        path = f"vic:InfoVigiCru.vic:estLaSyntheseDe.{index}"
        entity = child.get("vic:porteSurLEntite") or {}
        try:
            level = int(child.get("vic:NivInfoVigiCru"))
        except (TypeError, ValueError):
            raise refuse(f"{path}.vic:NivInfoVigiCru", _("niveau absent ou non entier")) from None
        if level not in LEVELS:
            raise refuse(f"{path}.vic:NivInfoVigiCru", _("niveau %(l)s inconnu (1 à 4)") % {"l": level})
        kind, code = str(entity.get("vic:TypEntVigiCru", "")), entity.get("vic:CdEntVigiCru", "")
        if kind == "4":
            dep = entity.get("com:CdDepartement") or code
            if dep not in known:
                continue  # overseas or not loaded: no boundary to place it on
            deps.append((dep, level))
        elif kind == "8" and code in known_reaches:
            reaches.append((code, entity.get("vic:LbEntVigiCru") or known_reaches[code], level))
        elif kind in ("5", "8") and level >= 2:
            sections.append({"type": kind, "code": code, "name": entity.get("vic:LbEntVigiCru", ""), "level": level})
    if not deps and not reaches and sections:
        raise refuse("vic:InfoVigiCru.vic:estLaSyntheseDe", _(
            "tronçons/territoires en vigilance sans géométrie connue (%(codes)s) : fournir la synthèse "
            "par département (TypEntVigiCru=4)") % {"codes": ", ".join(s["code"] for s in sections)})
    if not deps and not reaches:
        raise refuse("vic:InfoVigiCru.vic:estLaSyntheseDe", _("aucun département reconnu dans la synthèse"))
    out = []
    stamp = issued.strftime("%Y%m%dT%H%M%z") if issued else ref
    out += _reach_alerts(reaches, info, ref, stamp, issued, next_issue, now, allow_expired)
    for dep, level in deps:
        key = {"departement": dep}
        if level < 2:
            out.append(ParsedAlert(source="vigicrues", sender=SENDER, identifier=f"end-{dep}", msg_type="End",
                                   supersede_active=key))
            continue
        parsed = ParsedAlert(
            source="vigicrues", sender=SENDER, identifier=f"FR-VIGICRUES-{dep}-{stamp}", hazard="river_flood",
            level=level, sent=issued, msg_type="Update", language="fr-FR", event=f"Vigilance crues {LEVELS[level]}",
            headline=f"Vigilance crues {LEVELS[level]} – {dep}", description=info.get("vic:SituActuInfoVigiCru", ""),
            onset=issued, expires=next_issue, area=union_areas(departement_geoms([dep])), area_description=f"département {dep}",
            departements=[dep], details={**key, "bulletin": ref, "sections": sections}, supersede_active=key,
        )
        check_expiry(parsed, allow_expired, now, path="vic:InfoVigiCru.vic:DtHrSuivInfoVigiCru")
        out.append(parsed)
    return out


def _reach_alerts(reaches, info, ref, stamp, issued, next_issue, now, allow_expired) -> list[ParsedAlert]:
    """One alert per reach in vigilance (area: its line's buffer), an End per reach back to green."""
    from django.conf import settings

    from network.models import Departement

    from ..reaches import reach_area

    out = []
    for code, name, level in reaches:
        key = {"reach": code}
        if level < 2:
            out.append(ParsedAlert(source="vigicrues", sender=SENDER, identifier=f"end-reach-{code}", msg_type="End",
                                   supersede_active=key))
            continue
        area = union_areas([reach_area(code)])
        deps = sorted(Departement.objects.filter(geom__intersects=area).values_list("code", flat=True))
        parsed = ParsedAlert(
            source="vigicrues", sender=SENDER, identifier=f"FR-VIGICRUES-TRONCON-{code}-{stamp}", hazard="river_flood",
            level=level, sent=issued, msg_type="Update", language="fr-FR", event=f"Vigilance crues {LEVELS[level]}",
            headline=f"Vigilance crues {LEVELS[level]} – {name or code}", description=info.get("vic:SituActuInfoVigiCru", ""),
            onset=issued, expires=next_issue, area=area,
            area_description=f"tronçon {code} {name} (± {settings.VIGICRUES_REACH_BUFFER_M:g} m)".strip(),
            departements=deps, details={**key, "bulletin": ref, "buffer_m": settings.VIGICRUES_REACH_BUFFER_M},
            supersede_active=key,
        )
        check_expiry(parsed, allow_expired, now, path="vic:InfoVigiCru.vic:DtHrSuivInfoVigiCru")
        out.append(parsed)
    return out
