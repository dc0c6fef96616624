from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class DamageReportKind(models.TextChoices):
    """What was seen in the field (after the operators' *Signal Réseaux* categories)."""

    POLE_DOWN = "pole_down", _("Poteau cassé / à terre")
    CABLE_DOWN = "cable_down", _("Câble au sol / arraché")
    CHAMBER_FLOODED = "chamber_flooded", _("Chambre inondée")
    CABINET_DAMAGED = "cabinet_damaged", _("Armoire endommagée")


class DamageReportStatus(models.TextChoices):
    NEW = "new", _("À trier")
    TICKETED = "ticketed", _("Transformé en ticket")
    DISMISSED = "dismissed", _("Écarté")


def photo_path(report, filename):
    return f"damageReports/{report.network_id}/{filename}"


class DamageReport(models.Model):
    """A field damage report (*signalement de dommage*) by an operator agent or an elected official:
    what, where (a point), a photo and a comment. Reports near each other share a `group` (the
    first report of the cluster); the crisis cell turns a group into one trouble ticket (damaged
    assets pre-filled from the nearest network elements) or dismisses it with a reason.

    Scoped: the network's owner and operator, and the organisation that filed it.
    """

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="damage_reports",
                                verbose_name=_("réseau"))
    kind = models.CharField(_("nature"), max_length=20, choices=DamageReportKind.choices)
    location = models.PointField(_("position"), srid=2154)
    commune = models.ForeignKey("network.Commune", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("commune"))
    comment = models.TextField(_("commentaire"), blank=True)
    photo = models.FileField(_("photo"), upload_to=photo_path, max_length=300, blank=True)
    photo_mime_type = models.CharField(_("type de la photo"), max_length=50, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("signalé par"))
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="damage_reports", verbose_name=_("organisation du déclarant"))
    reported_at = models.DateTimeField(_("signalé le"))
    group = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="members",
                              verbose_name=_("groupe"), help_text=_("Premier signalement du groupe (signalements proches)."))
    status = models.CharField(_("état"), max_length=10, choices=DamageReportStatus.choices,
                              default=DamageReportStatus.NEW)
    ticket = models.ForeignKey("incidents.TroubleTicket", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="damage_reports", verbose_name=_("ticket"))
    dismissed_reason = models.TextField(_("motif de l'écart"), blank=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("trié par"))
    triaged_at = models.DateTimeField(_("trié le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("signalement de dommage")
        verbose_name_plural = _("signalements de dommage")
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["network", "status"])]
        constraints = [
            models.CheckConstraint(condition=~Q(status="dismissed") | ~Q(dismissed_reason=""),
                                   name="restoration_report_dismissed_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @classmethod
    def scope_q(cls, organisation_ids) -> Q:
        return (Q(network__owner__in=organisation_ids) | Q(network__operator__in=organisation_ids)
                | Q(organisation__in=organisation_ids))
