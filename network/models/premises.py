from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from .base import NetworkObject, valid_geometry


class ConnectionStatus(models.TextChoices):
    """Connection status of a premises (GraceTHD `sf_racco`, list l_suf_racco)."""

    SUBSCRIBED = "AB", _("Abonné")
    CONNECTED = "RA", _("Raccordé")
    CONNECTABLE = "RB", _("Raccordable")
    ON_DEMAND = "RD", _("Raccordable sur demande")
    ELIGIBLE = "EL", _("Éligible")
    ELIGIBLE_SHARED = "EM", _("Éligible mutualisé")
    PLANNED = "PR", _("Programmé")


class CriticalCategory(models.TextChoices):
    """Critical sites whose loss of service the crisis cell must know first (*sites sensibles*)."""

    NONE = "", _("Aucun")
    HOSPITAL = "hospital", _("Hôpital")
    EHPAD = "ehpad", _("EHPAD")
    TOWN_HALL = "town_hall", _("Mairie")
    FIRE_RESCUE = "fire_rescue", _("Secours (SDIS)")
    GENDARMERIE = "gendarmerie", _("Gendarmerie")
    SCHOOL = "school", _("École")
    WATER_PLANT = "water_plant", _("Usine d'eau potable")


class Premises(NetworkObject):
    """A premises (*local / adresse raccordable*, GraceTHD `t_adresse` + `t_suf`): a point, its
    commune, housing and business units (`ad_nblhab`, `ad_nblpro`), connection status, the PBO that
    serves it, and its critical-site category. `code` is the `ad_code`."""

    geom = models.PointField(_("géométrie"), srid=2154)
    commune = models.ForeignKey("network.Commune", on_delete=models.PROTECT, related_name="premises", null=True, blank=True)
    address = models.CharField(_("adresse"), max_length=254, blank=True)
    housing_units = models.PositiveIntegerField(_("logements"), default=1)
    business_units = models.PositiveIntegerField(_("locaux professionnels"), default=0)
    connection_status = models.CharField(
        _("statut de raccordement"), max_length=2, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTABLE
    )
    pbo = models.ForeignKey(
        "network.Enclosure", on_delete=models.SET_NULL, null=True, blank=True, related_name="premises",
        verbose_name=_("PBO de desserte"),
    )
    critical_category = models.CharField(
        _("site sensible"), max_length=20, choices=CriticalCategory.choices, default="", blank=True
    )
    suf_code = models.CharField(_("code SUF"), max_length=254, blank=True, help_text="sf_code")
    has_vertical_cabling = models.BooleanField(
        _("colonne montante"), null=True, blank=True, help_text=_("Immeuble collectif : câblage vertical présent.")
    )

    class Meta(NetworkObject.Meta):
        verbose_name = _("local")
        verbose_name_plural = _("locaux")
        constraints = NetworkObject.Meta.constraints + [valid_geometry()]
        indexes = [
            models.Index(fields=["network", "pbo"]),
            models.Index(fields=["network", "commune"]),
            models.Index(fields=["network", "critical_category"]),
        ]

    @property
    def units(self) -> int:
        return self.housing_units + self.business_units
