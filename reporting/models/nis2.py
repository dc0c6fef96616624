from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class Nis2Stage(models.TextChoices):
    """The three reports of art. 23(4) of directive (EU) 2022/2555 to the CSIRT (CERT-FR in France)."""

    EARLY_WARNING = "early_warning", _("Alerte précoce (24 h)")
    NOTIFICATION = "notification", _("Notification d'incident (72 h)")
    FINAL_REPORT = "final_report", _("Rapport final (1 mois)")


class Nis2Draft(models.Model):
    """What the crisis cell wrote in one NIS2 report of a crisis (*brouillon de notification*): only
    the fields it changed are kept in `fields`; the rest is prefilled from the crisis data each time
    it is read (reporting/services/nis2.py). `sent_at` is set by hand when the export was filed
    (sending stays manual)."""

    crisis = models.ForeignKey("incidents.Crisis", on_delete=models.CASCADE, related_name="nis2_drafts",
                               verbose_name=_("crise"))
    stage = models.CharField(_("étape"), max_length=20, choices=Nis2Stage.choices)
    fields = models.JSONField(_("champs saisis"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("transmis le"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("modifié par"))
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("brouillon NIS2")
        verbose_name_plural = _("brouillons NIS2")
        constraints = [models.UniqueConstraint(fields=["crisis", "stage"], name="nis2_one_draft_per_stage")]

    def __str__(self) -> str:
        return f"{self.crisis} — {self.get_stage_display()}"

    @classmethod
    def scope_q(cls, organisation_ids):
        from incidents.models import Crisis

        return Q(crisis__in=Crisis.objects.filter(Crisis.scope_q(organisation_ids)).values("pk"))
