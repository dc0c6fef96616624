from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class OutageRawOutcome(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Accepté")
    DUPLICATE = "duplicate", _("Doublon (déjà reçu)")
    REJECTED = "rejected", _("Refusé")


class OutageRaw(models.Model):
    """A power-outage payload exactly as received (*message brut*: API body, uploaded CSV, feed
    answer), stored in its own transaction BEFORE parsing, like resilience.RawMessage: a refused
    payload can always be re-read. The same bytes twice are a duplicate and change nothing."""

    channel = models.CharField(_("canal"), max_length=10, help_text="api, csv, feed")
    payload = models.BinaryField(_("contenu brut"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, db_index=True)
    content_type = models.CharField(_("type de contenu"), max_length=100, blank=True)
    origin = models.CharField(_("provenance"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    outcome = models.CharField(_("résultat"), max_length=10, choices=OutageRawOutcome.choices,
                               default=OutageRawOutcome.PENDING)
    error = models.JSONField(_("motifs de refus"), default=list, blank=True)
    submitted_by = models.ForeignKey("organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta:
        verbose_name = _("message brut de coupure")
        verbose_name_plural = _("messages bruts de coupure")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.channel} {self.sha256[:12]} {self.outcome}"


class OutageQuerySet(RestrictedQuerySet):
    def current(self, at):
        """Outages not ended at `at` (started or announced)."""
        return self.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))


class PowerOutage(models.Model):
    """A grid power outage (*coupure d'électricité*) declared for a network: over communes (INSEE)
    or a drawn/received area, from `start`, expected back at `expected_end`, from a source (the
    distribution operator, a prefecture, an operator's own observation).

    Identity: (network, source, reference) when the sender gives a reference: the same reference
    again updates the outage in place (new expected end, larger area) or ends it (`ended_at`).
    """

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=100, blank=True)
    reference = models.CharField(_("référence"), max_length=200, blank=True)
    communes = models.ManyToManyField("network.Commune", blank=True, related_name="+", verbose_name=_("communes"))
    area = models.MultiPolygonField(_("zone"), srid=2154)
    start = models.DateTimeField(_("début"))
    expected_end = models.DateTimeField(_("fin prévue"), null=True, blank=True)
    ended_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    raw = models.ForeignKey(OutageRaw, on_delete=models.SET_NULL, null=True, blank=True, related_name="outages")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("organisation émettrice"))
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = OutageQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        verbose_name = _("coupure d'électricité")
        verbose_name_plural = _("coupures d'électricité")
        ordering = ["-start", "-pk"]
        indexes = [models.Index(fields=["network", "ended_at"])]
        constraints = [
            models.UniqueConstraint(fields=["network", "source", "reference"], condition=~Q(reference=""),
                                    name="power_outage_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source or '?'} {self.reference or self.pk} {self.start:%Y-%m-%d %H:%M}"
