from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class SitRepTrigger(models.TextChoices):
    MANUAL = "manual", _("À la demande")
    SCHEDULED = "scheduled", _("Programmé")


class SituationReport(models.Model):
    """A situation report (*point de situation*) of a crisis at a given time: the figures as they were
    then (`figures`, a JSON snapshot: the PDF, CSV and JSON exports are rendered from it, never
    recomputed), numbered per crisis, with the previous report for the trends. Kept with the crisis;
    seen by whoever sees the crisis."""

    crisis = models.ForeignKey("incidents.Crisis", on_delete=models.CASCADE, related_name="situation_reports",
                               verbose_name=_("crise"))
    number = models.PositiveIntegerField(_("numéro"))
    at = models.DateTimeField(_("situation au"))
    figures = models.JSONField(_("chiffres"), default=dict)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("point précédent"))
    trigger = models.CharField(_("origine"), max_length=10, choices=SitRepTrigger.choices, default=SitRepTrigger.MANUAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("produit par"))
    created_at = models.DateTimeField(_("produit le"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("envoyé par courriel le"), null=True, blank=True)
    email_error = models.CharField(_("erreur d'envoi"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("point de situation")
        verbose_name_plural = _("points de situation")
        ordering = ["crisis", "-number"]
        constraints = [models.UniqueConstraint(fields=["crisis", "number"], name="sitrep_number_per_crisis")]

    def __str__(self) -> str:
        return f"{self.crisis} — point n° {self.number}"

    @classmethod
    def scope_q(cls, organisation_ids):
        from incidents.models import Crisis

        return Q(crisis__in=Crisis.objects.filter(Crisis.scope_q(organisation_ids)).values("pk"))


class SitRepSchedule(models.Model):
    """When a crisis gets its next situation report on its own (*points de situation programmés*,
    e.g. every 6 h): the beat task `reporting.tasks.run_due_schedules` publishes every due one and
    moves `next_at` on. `recipients` (one address a line) receive the PDF when `send_email` is set
    and SITREP_EMAIL_ENABLED is on."""

    crisis = models.OneToOneField("incidents.Crisis", on_delete=models.CASCADE, related_name="sitrep_schedule",
                                  verbose_name=_("crise"))
    enabled = models.BooleanField(_("actif"), default=True)
    interval_hours = models.PositiveSmallIntegerField(_("intervalle (heures)"), default=6)
    next_at = models.DateTimeField(_("prochain point"))
    send_email = models.BooleanField(_("envoyer par courriel"), default=False)
    recipients = models.TextField(_("liste de diffusion"), blank=True, help_text=_("Une adresse par ligne."))
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("programmation des points de situation")
        verbose_name_plural = _("programmations des points de situation")
        constraints = [models.CheckConstraint(condition=Q(interval_hours__gte=1), name="sitrep_interval_positive")]

    def __str__(self) -> str:
        return f"{self.crisis} — {self.interval_hours} h"

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.replace(",", "\n").splitlines() if line.strip()]

    @classmethod
    def scope_q(cls, organisation_ids):
        from incidents.models import Crisis

        return Q(crisis__in=Crisis.objects.filter(Crisis.scope_q(organisation_ids)).values("pk"))
