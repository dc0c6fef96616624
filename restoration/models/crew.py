from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class Crew(models.Model):
    """The repair teams an organisation (usually the OI or its subcontractors) puts on a storm
    (*équipes d'intervention*): how many, how many interventions a team does per day, the working
    hours, the travel between two sites and the hours a repair takes per asset class.

    Defaults from the published figures (docs/damage-model.md): teams of two technicians doing about
    four interventions a day (storm Dirk, 2013); one to four hours to put a pole back, plus the
    cables on it (Ciarán, 2023). Scoped to its organisation.
    """

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="crews",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("nom"), max_length=200)
    teams = models.PositiveIntegerField(_("nombre d'équipes"), default=10, validators=[MinValueValidator(1)])
    interventions_per_day = models.FloatField(_("interventions par jour et par équipe"), default=4.0,
                                              validators=[MinValueValidator(0.1)])
    working_hours_per_day = models.FloatField(_("heures de travail par jour"), default=10.0,
                                              validators=[MinValueValidator(1.0)])
    travel_minutes = models.PositiveIntegerField(_("trajet entre deux interventions (min)"), default=40)
    hours_pole = models.FloatField(_("heures par appui (poteau)"), default=3.0)
    hours_span = models.FloatField(_("heures par portée aérienne ou façade"), default=1.5)
    hours_chamber = models.FloatField(_("heures par chambre"), default=2.0)
    hours_site = models.FloatField(_("heures par armoire ou site"), default=6.0)
    hours_cable = models.FloatField(_("heures par câble (tirage, épissures)"), default=4.0)
    hours_enclosure = models.FloatField(_("heures par boîtier"), default=1.5)
    active = models.BooleanField(_("mobilisée"), default=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("organisation",)

    class Meta:
        verbose_name = _("équipe d'intervention")
        verbose_name_plural = _("équipes d'intervention")
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.teams})"

    def hours_for(self, asset_class: str) -> float:
        return float(getattr(self, f"hours_{asset_class}", self.hours_span))
