from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")  # first attempt or a retry is due at next_attempt_at
    SUCCEEDED = "succeeded", _("Livrée")
    DEAD = "dead", _("Abandonnée")  # retries exhausted (dead letter), or 410 Gone
    CANCELLED = "cancelled", _("Annulée")  # the subscription was disabled before delivery


class AttemptOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("Réussie")
    RETRY = "retry", _("Échec, nouvelle tentative prévue")
    DEAD = "dead", _("Échec définitif")
    GONE = "gone", _("410 Gone : abonnement désactivé")


class Delivery(models.Model):
    """One event for one subscription (*envoi*): created once by the dispatcher (unique pair),
    retried with backoff until success or the dead letter. `subject` and `sequence` are copied
    from the event so the in-order rule (never n+1 before n is settled) is one indexed query.

    `lease_until` is a claim: a worker that takes the delivery sets it; if the worker dies, the
    lease lapses and the sweeper takes the delivery again.
    """

    event = models.ForeignKey("webhooks.OutboxEvent", on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey("webhooks.Subscription", on_delete=models.CASCADE, related_name="deliveries")
    subject = models.CharField(max_length=200, blank=True)
    sequence = models.PositiveBigIntegerField(default=1)
    status = models.CharField(_("état"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    failures = models.PositiveIntegerField(
        _("échecs consécutifs"), default=0, help_text=_("Rang dans le calendrier de nouvelles tentatives."))
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    manual_pending = models.BooleanField(
        default=False, help_text=_("la prochaine tentative a été demandée par une personne"))
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    settled_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("subscription__organisation",)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="delivery_unique_event_subscription"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="delivery_due_idx"),
            models.Index(fields=["subscription", "subject", "sequence"], name="delivery_order_idx"),
        ]


class DeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery (*tentative*): the delivery log shown per subscription."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("numéro"))
    manual = models.BooleanField(_("relance manuelle"), default=False)
    attempted_at = models.DateTimeField(_("date"))
    duration_ms = models.PositiveIntegerField(_("durée (ms)"), default=0)
    status_code = models.PositiveSmallIntegerField(_("code HTTP"), null=True, blank=True)
    error = models.CharField(_("erreur"), max_length=1000, blank=True)
    response_body = models.TextField(_("réponse (tronquée)"), blank=True)
    signatures = models.PositiveSmallIntegerField(default=1)
    outcome = models.CharField(_("issue"), max_length=10, choices=AttemptOutcome.choices)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("delivery__subscription__organisation",)

    class Meta:
        verbose_name = _("tentative d'envoi")
        verbose_name_plural = _("tentatives d'envoi")
        ordering = ["-attempted_at", "-id"]
