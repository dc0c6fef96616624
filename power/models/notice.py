from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    ON_BATTERY = "power.site_on_battery", _("Site sur batterie")
    AT_RISK = "power.site_at_risk", _("Site bientôt hors service")
    DARK = "power.site_dark", _("Site hors service")


class PowerNotice(models.Model):
    """An outbox event already emitted for a site in one episode (*épisode*: an outage, or an
    operator's dark declaration), so the beat task sends each kind once per site and episode."""

    supply = models.ForeignKey("power.PowerSupply", on_delete=models.CASCADE, related_name="notices")
    episode = models.CharField(_("épisode"), max_length=40, help_text="outage:<id> or override:<id>")
    kind = models.CharField(_("type"), max_length=32, choices=NoticeKind.choices)
    dark_at = models.DateTimeField(_("coupure prévue"), null=True, blank=True)
    emitted_at = models.DateTimeField(_("émis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification d'énergie")
        verbose_name_plural = _("notifications d'énergie")
        constraints = [models.UniqueConstraint(fields=["supply", "episode", "kind"], name="power_notice_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.supply_id} {self.episode}"
