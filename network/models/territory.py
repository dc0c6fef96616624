"""The territory (*territoire*) a network lies in, and the projection its measures are made in.

Geometries are stored in one SRID for all of France (EPSG:2154, Lambert-93; docs/architecture.md,
"Overseas territories"): a network's territory says which legal projection its GraceTHD deliveries
use and in which lengths and distances are measured.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Territory(models.TextChoices):
    METROPOLE = "metropole", _("France métropolitaine")
    GUADELOUPE = "guadeloupe", _("Guadeloupe")
    MARTINIQUE = "martinique", _("Martinique")
    GUYANE = "guyane", _("Guyane")
    REUNION = "reunion", _("La Réunion")
    MAYOTTE = "mayotte", _("Mayotte")


# Legal projection of each territory (décret n° 2000-1276 modifié, arrêté du 5 mars 2019).
TERRITORY_SRID = {
    Territory.METROPOLE: 2154,    # RGF93 v1 / Lambert-93
    Territory.GUADELOUPE: 5490,   # RGAF09 / UTM 20N
    Territory.MARTINIQUE: 5490,   # RGAF09 / UTM 20N
    Territory.GUYANE: 2972,       # RGFG95 / UTM 22N
    Territory.REUNION: 2975,      # RGR92 / UTM 40S
    Territory.MAYOTTE: 4471,      # RGM04 / UTM 38S
}
DEPARTEMENT_TERRITORY = {
    "971": Territory.GUADELOUPE, "972": Territory.MARTINIQUE, "973": Territory.GUYANE,
    "974": Territory.REUNION, "976": Territory.MAYOTTE,
}
# Projections a GraceTHD delivery of each territory may come in (older deliveries: UTM on WGS84).
ACCEPTED_SRIDS = {
    Territory.METROPOLE: {2154},
    Territory.GUADELOUPE: {5490, 4559, 32620},
    Territory.MARTINIQUE: {5490, 4559, 32620},
    Territory.GUYANE: {2972, 32622},
    Territory.REUNION: {2975, 32740},
    Territory.MAYOTTE: {4471, 32738},
}


def territory_of_departement(code: str | None) -> str:
    return DEPARTEMENT_TERRITORY.get((code or "")[:3], Territory.METROPOLE)


def territory_of_srid(srid: int) -> str | None:
    """The territory whose legal projection is this SRID (Guadeloupe for 5490, shared with Martinique)."""
    for territory, accepted in ACCEPTED_SRIDS.items():
        if srid in accepted:
            return territory
    return None


def local_srid(territory: str | None) -> int:
    return TERRITORY_SRID.get(territory or Territory.METROPOLE, 2154)
