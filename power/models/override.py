from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class OverrideState(models.TextChoices):
    DARK = "dark", _("Déclaré hors service")
    RESTORED = "restored", _("Déclaré rétabli")


class SiteStateOverride(models.Model):
    """What an operator saw on site (*constat de l'exploitant*): a site declared dark (alarms, a
    visit) or restored (grid back, generator running). The latest declaration wins over the
    prediction from its time `at` on; an outage starting after it applies again."""

    supply = models.ForeignKey("power.PowerSupply", on_delete=models.CASCADE, related_name="overrides")
    state = models.CharField(_("état déclaré"), max_length=10, choices=OverrideState.choices)
    at = models.DateTimeField(_("constaté le"))
    comment = models.CharField(_("commentaire"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("supply__network__owner", "supply__network__operator")

    class Meta:
        verbose_name = _("état déclaré d'un site")
        verbose_name_plural = _("états déclarés des sites")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.supply.site.code} {self.state} {self.at:%Y-%m-%d %H:%M}"
