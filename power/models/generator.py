from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class MobileGenerator(models.Model):
    """A fleet of mobile generators (*groupes électrogènes mobiles*) kept at one depot, for one
    network: how many, where, how long one runs on a full tank. Units connected to a site
    (PowerSupply.mobile_generator) are not available for the dispatch plan."""

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    depot = models.PointField(_("dépôt"), srid=2154)
    count = models.PositiveIntegerField(_("nombre de groupes"), default=1)
    runtime_hours = models.FloatField(_("autonomie d'un groupe (h)"), default=24)
    power_kva = models.FloatField(_("puissance (kVA)"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        verbose_name = _("groupes électrogènes mobiles")
        verbose_name_plural = _("groupes électrogènes mobiles")
        ordering = ["network", "name"]
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="power_mobile_generator_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} ×{self.count}"
