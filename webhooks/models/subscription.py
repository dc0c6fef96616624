import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class SubscriptionSource(models.TextChoices):
    TMF = "tmf", _("Hub TMF621")
    NATIVE = "native", _("API Vigie Fibre")


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    FAILING = "failing", _("En échec")  # a delivery was dead-lettered; still delivering, cleared on success
    DISABLED = "disabled", _("Désactivée")  # by its owner or by a 410 Gone: receives nothing


class Subscription(models.Model):
    """A webhook subscription (*abonnement aux notifications*) of one organisation: where to POST
    which events. Created through the TMF621 hub (`query` string) or the native API (`event_types`
    plus an optional `query`); it only ever receives events whose `organisation_ids` include its
    organisation, so an operator never receives another operator's tickets.

    Signed per Standard Webhooks with `secret` (`whsec_…`); after a rotation the previous secret
    also signs until `previous_secret_expires_at`, so receivers can switch without losing events.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="webhook_subscriptions",
        verbose_name=_("organisation"),
    )
    source = models.CharField(_("origine"), max_length=10, choices=SubscriptionSource.choices,
                              default=SubscriptionSource.NATIVE)
    callback = models.URLField(_("adresse de rappel"), max_length=2000)
    query = models.CharField(_("filtre"), max_length=2000, blank=True,
                             help_text=_("Filtre TMF : eventType=…&event.troubleTicket.severity=…"))
    event_types = models.JSONField(_("types d'événement"), default=list, blank=True,
                                   help_text=_("Vide : tous les types."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("secret"), max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(_("état"), max_length=10, choices=SubscriptionStatus.choices,
                              default=SubscriptionStatus.ACTIVE, db_index=True)
    status_reason = models.CharField(_("motif de l'état"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("organisation",)

    class Meta:
        verbose_name = _("abonnement webhook")
        verbose_name_plural = _("abonnements webhook")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.callback}"

    def signing_secrets(self, now) -> list[str]:
        """Secrets that sign a delivery now: the current one, plus the previous one during the overlap."""
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets
