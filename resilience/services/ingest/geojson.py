"""A GeoJSON Feature drawn or sent by an organisation (manual alert) → ParsedAlert.

    {"type": "Feature", "geometry": {Polygon|MultiPolygon in WGS84},
     "properties": {"hazard": "wind", "level": 3, "network": "slug" | "departement": "29",
                    "identifier"?: "...", "onset"?: ISO, "expires"?: ISO, "headline"?: "...", "status"?: "actual"}}

With a `departement` and no geometry, the area is the département. A manual alert belongs to the
submitting organisation; `network` (a network it may see) restricts exposure to that network.
"""
import json
import math
import uuid
from datetime import datetime

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext_lazy as _

from network.models import Departement

from ...models import AlertStatus, Hazard
from .common import ParsedAlert, as_multipolygon, check_expiry, departement_geoms, refuse, union_areas


def parse_feature(doc, *, now, allow_expired=False, sender="", network=None) -> ParsedAlert:
    if not isinstance(doc, dict) or doc.get("type") != "Feature":
        raise refuse("type", _("attendu une Feature GeoJSON"))
    props = doc.get("properties") or {}
    if not isinstance(props, dict):
        raise refuse("properties", _("doit être un objet"))
    hazard = props.get("hazard")
    if hazard not in Hazard.values:
        raise refuse("properties.hazard", _("aléa %(h)s inconnu ; valeurs : %(v)s") % {"h": hazard, "v": ", ".join(Hazard.values)})
    level = props.get("level")
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 6:
        raise refuse("properties.level", _("niveau entier de 1 (vert) à 4 (rouge), 5 (violet) ou 6 (gris) attendu"))
    status = props.get("status", "actual")
    if status not in AlertStatus.values:
        raise refuse("properties.status", _("statut inconnu ; valeurs : %(v)s") % {"v": ", ".join(AlertStatus.values)})
    times = {}
    for name in ("onset", "expires"):
        value = props.get(name)
        if value:
            try:
                times[name] = datetime.fromisoformat(str(value))
            except ValueError:
                raise refuse(f"properties.{name}", _("date ISO 8601 invalide")) from None
            if times[name].tzinfo is None:
                raise refuse(f"properties.{name}", _("date sans fuseau horaire"))
    dep = props.get("departement")
    geometry = doc.get("geometry")
    areas = []
    if geometry:
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise refuse("geometry.type", _("Polygon ou MultiPolygon attendu"))
        if not isinstance(geometry.get("coordinates"), list):
            raise refuse("geometry.coordinates", _("liste de coordonnées attendue"))
        for r_index, ring in enumerate(_rings(geometry)):
            if not isinstance(ring, list):
                raise refuse(f"geometry.coordinates.{r_index}", _("anneau : liste de positions [lon, lat] attendue"))
            if not ring or ring[0] != ring[-1]:
                raise refuse(f"geometry.coordinates.{r_index}", _("polygone non fermé : le premier et le dernier point diffèrent"))
        try:
            geom = GEOSGeometry(json.dumps(geometry), srid=4326)
            geom.transform(2154)
            if geom.empty or not all(math.isfinite(c) for c in geom.extent):
                raise ValueError("coordonnées hors de la Terre")
        except (GEOSException, GDALException, ValueError, TypeError, OverflowError) as exc:
            raise refuse("geometry", _("géométrie illisible : %(e)s") % {"e": exc}) from None
        areas.append(geom if geom.valid else geom.buffer(0))
    deps = []
    if dep:
        if not Departement.objects.filter(code=str(dep)).exists():
            raise refuse("properties.departement", _("département %(d)s inconnu") % {"d": dep})
        deps = [str(dep)]
        if not areas:
            areas = departement_geoms(deps)
    if not areas and network is not None and network.departement_id:
        deps = [network.departement_id]  # a network scope without a drawing: its département
        areas = departement_geoms(deps)
    if not areas:
        raise refuse("geometry", _("ni géométrie, ni département, ni réseau : zone inconnue"))
    area = as_multipolygon(union_areas(areas))
    if dep and geometry:
        area = as_multipolygon(area.intersection(union_areas(departement_geoms(deps))))
    parsed = ParsedAlert(
        source="manual", sender=sender, identifier=str(props.get("identifier") or uuid.uuid4()), hazard=hazard,
        level=level, sent=now, status=status, headline=str(props.get("headline", ""))[:500],
        description=str(props.get("description", "")), language="fr-FR", event=str(props.get("event", ""))[:255],
        onset=times.get("onset") or now, expires=times.get("expires"), area=area, departements=deps,
        details={"properties": {k: v for k, v in props.items() if isinstance(v, (str, int, float, bool))}},
    )
    check_expiry(parsed, allow_expired, now, path="properties.expires")
    return parsed


def _rings(geometry):
    coords = geometry.get("coordinates") or []
    polys = coords if geometry["type"] == "MultiPolygon" else [coords]
    for poly in polys:
        for ring in (poly if isinstance(poly, list) else [poly]):
            yield ring


def parser_for(sender="", network=None):
    def parse(payload: bytes, *, now, allow_expired=False):
        try:
            doc = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise refuse("", _("ce n'est pas du JSON : %(e)s") % {"e": exc}) from None
        return [parse_feature(doc, now=now, allow_expired=allow_expired, sender=sender, network=network)]

    return parse
