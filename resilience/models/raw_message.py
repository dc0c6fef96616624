from django.db import models
from django.utils.translation import gettext_lazy as _


class RawSource(models.TextChoices):
    CAP = "cap", _("CAP 1.2")
    VIGILANCE = "vigilance", _("Vigilance Météo-France")
    VIGICRUES = "vigicrues", _("Vigicrues")
    GEOJSON = "geojson", _("GeoJSON (saisie manuelle)")


class RawOutcome(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Accepté")
    DUPLICATE = "duplicate", _("Doublon (déjà reçu)")
    REJECTED = "rejected", _("Refusé")


class RawMessage(models.Model):
    """An incoming alert payload exactly as received (*message brut*), stored BEFORE any parsing so
    that a refused or crashing message can always be re-read. `sha256` makes a repeated payload a
    no-op: the second copy is recorded as a duplicate of the first and parses nothing.

    Stored in its own transaction, so it survives the rollback of a refused parse; `outcome` and
    `error` then say what became of it.
    """

    source = models.CharField(_("source"), max_length=16, choices=RawSource.choices)
    payload = models.BinaryField(_("contenu brut"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    content_type = models.CharField(_("type de contenu"), max_length=100, blank=True)
    origin = models.CharField(_("provenance"), max_length=500, blank=True, help_text=_("URL du flux, fichier, ou 'api'."))
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    outcome = models.CharField(_("résultat"), max_length=10, choices=RawOutcome.choices, default=RawOutcome.PENDING)
    error = models.JSONField(_("motifs de refus"), default=list, blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_by = models.ForeignKey(
        "organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("organisation émettrice"),
    )

    class Meta:
        verbose_name = _("message brut")
        verbose_name_plural = _("messages bruts")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.sha256[:12]} {self.outcome}"
