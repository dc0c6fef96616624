from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class GeneratorKind(models.TextChoices):
    """Generator behind the site's batteries (*groupe électrogène*)."""

    NONE = "none", _("Aucun")
    FIXED = "fixed", _("Groupe fixe")
    CONNECTED = "connected", _("Groupe mobile raccordé")


class PowerSupply(models.Model):
    """How an active site is powered (*alimentation d'un site actif*): an NRO (its OLTs) or a PM/SRO
    holding active equipment. GraceTHD has no such fields: they come from the operator (API, UI,
    admin or the CSV of docs/power.md).

    The grid delivery point (*point de livraison*, PDL/PRM of the distribution operator) is where
    the site takes its power; its position (`grid_point`, the site's own when unknown) is what a
    power outage area is tested against. On a grid outage the batteries (*batteries*) last
    `battery_hours`; a fixed generator (*groupe fixe*) adds `fuel_hours`; a mobile generator
    connected (*groupe mobile raccordé*) keeps the site up for the horizon of the prediction.
    """

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="+")
    site = models.OneToOneField("network.Site", on_delete=models.CASCADE, related_name="power_supply")
    delivery_point = models.CharField(_("point de livraison (PDL/PRM)"), max_length=64, blank=True)
    grid_point = models.PointField(_("position du point de livraison"), srid=2154, null=True, blank=True,
                                   help_text=_("Vide : la position du site."))
    battery_hours = models.FloatField(_("autonomie des batteries (h)"), default=0)
    battery_tested_on = models.DateField(_("dernier test des batteries"), null=True, blank=True)
    generator = models.CharField(_("groupe électrogène"), max_length=10, choices=GeneratorKind.choices,
                                 default=GeneratorKind.NONE)
    fuel_hours = models.FloatField(_("autonomie en carburant du groupe (h)"), null=True, blank=True)
    mobile_connectable = models.BooleanField(_("groupe mobile raccordable"), default=False)
    generator_connected_at = models.DateTimeField(_("groupe mobile raccordé le"), null=True, blank=True)
    mobile_generator = models.ForeignKey("power.MobileGenerator", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="connected_supplies", verbose_name=_("groupe mobile"))
    comment = models.CharField(_("commentaire"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        verbose_name = _("alimentation d'un site actif")
        verbose_name_plural = _("alimentations des sites actifs")
        ordering = ["network", "site__code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(battery_hours__gte=0), name="power_supply_battery_positive"),
            models.CheckConstraint(condition=models.Q(fuel_hours__isnull=True) | models.Q(fuel_hours__gte=0),
                                   name="power_supply_fuel_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.site.code} ({self.get_generator_display()}, {self.battery_hours:g} h)"

    @property
    def supply_point(self):
        return self.grid_point or self.site.geom
