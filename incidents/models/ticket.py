"""TMF621 trouble tickets (*tickets d'incident*) between a syndicate and the operator of its network."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class TicketStatus(models.TextChoices):
    """TMF621 v4 TroubleTicketStatusType, all eight values."""

    ACKNOWLEDGED = "acknowledged", _("Pris en compte")
    IN_PROGRESS = "inProgress", _("En cours")
    PENDING = "pending", _("En attente d'information")
    HELD = "held", _("Suspendu")
    RESOLVED = "resolved", _("Résolu")
    CLOSED = "closed", _("Clos")
    CANCELLED = "cancelled", _("Annulé")
    REJECTED = "rejected", _("Rejeté")


class TicketSeverity(models.TextChoices):
    """Severity (TMF621 examples: Critical, Major, Minor); drives the GTR timers."""

    CRITICAL = "critical", _("Critique")
    MAJOR = "major", _("Majeure")
    MINOR = "minor", _("Mineure")


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    COLLECTIVE_OUTAGE = "collectiveOutage", _("Incident collectif (DERCO)")
    REQUEST = "request", _("Demande")


class TroubleTicket(models.Model):
    """A trouble ticket (*ticket d'incident*, TMF621 TroubleTicket) on one network: damage reported by
    the operator (OI) or the syndicate, its damaged assets (`DamagedAsset`), lifecycle (`status`,
    `StatusChange` history), notes, photos and the GTR timers. Scoped to the network's owner and
    operator: nobody else sees it.

    `impact` holds the premises/critical sites cut per commune as computed from the damaged assets by
    `incidents.services.impact.refresh_ticket_impact` (null until computed).
    """

    network = models.ForeignKey("network.Network", on_delete=models.PROTECT, related_name="trouble_tickets",
                                verbose_name=_("réseau"))
    name = models.CharField(_("nom"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    severity = models.CharField(_("gravité"), max_length=10, choices=TicketSeverity.choices)
    ticket_type = models.CharField(_("type de ticket"), max_length=30, choices=TicketType.choices)
    priority = models.CharField(_("priorité"), max_length=30, blank=True)
    status = models.CharField(_("statut"), max_length=15, choices=TicketStatus.choices, default=TicketStatus.ACKNOWLEDGED)
    status_change_date = models.DateTimeField(_("date du changement de statut"), default=timezone.now)
    status_change_reason = models.TextField(_("motif du changement de statut"), blank=True)
    creation_date = models.DateTimeField(_("créé le"), default=timezone.now, db_index=True)
    last_update = models.DateTimeField(_("modifié le"), default=timezone.now)
    expected_resolution_date = models.DateTimeField(_("rétablissement prévu"), null=True, blank=True)
    requested_resolution_date = models.DateTimeField(_("rétablissement demandé"), null=True, blank=True)
    resolution_date = models.DateTimeField(_("rétabli le"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(
        _("pris en charge le"), null=True, blank=True,
        help_text=_("Première sortie du statut « pris en compte » : arrête le délai de prise en charge."),
    )
    external_id = models.CharField(_("identifiant externe"), max_length=200, blank=True)
    impact = models.JSONField(_("impact"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("créé par"))
    created_by_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("organisation émettrice"),
    )

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        verbose_name = _("ticket d'incident")
        verbose_name_plural = _("tickets d'incident")
        ordering = ["-creation_date", "-id"]
        indexes = [models.Index(fields=["network", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name="ticket_status_valid"),
            models.CheckConstraint(condition=Q(severity__in=TicketSeverity.values), name="ticket_severity_valid"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name or self.description[:60]}"


class DamagedAsset(models.Model):
    """A damaged network asset named by a ticket (`relatedEntity` with role « damaged »), resolved against
    the ticket's network: exactly one of the foreign keys is set, matching `referred_type`."""

    class ReferredType(models.TextChoices):
        ROUTE_SEGMENT = "RouteSegment", _("Tronçon de cheminement")
        SUPPORT_POINT = "SupportPoint", _("Point technique")
        SITE = "Site", _("Site technique")
        ENCLOSURE = "Enclosure", _("Boîtier")
        CABLE = "Cable", _("Câble")

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="damaged_assets")
    referred_type = models.CharField(_("type d'objet"), max_length=20, choices=ReferredType.choices)
    code = models.CharField(_("code GraceTHD"), max_length=254)
    role = models.CharField(_("rôle"), max_length=30, default="damaged")
    segment = models.ForeignKey("network.RouteSegment", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    support = models.ForeignKey("network.SupportPoint", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    site = models.ForeignKey("network.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    enclosure = models.ForeignKey("network.Enclosure", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cable = models.ForeignKey("network.Cable", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("équipement endommagé")
        verbose_name_plural = _("équipements endommagés")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "referred_type", "code"], name="damaged_asset_unique"),
            models.CheckConstraint(
                condition=(
                    Q(segment__isnull=False, support__isnull=True, site__isnull=True, enclosure__isnull=True, cable__isnull=True)
                    | Q(segment__isnull=True, support__isnull=False, site__isnull=True, enclosure__isnull=True, cable__isnull=True)
                    | Q(segment__isnull=True, support__isnull=True, site__isnull=False, enclosure__isnull=True, cable__isnull=True)
                    | Q(segment__isnull=True, support__isnull=True, site__isnull=True, enclosure__isnull=False, cable__isnull=True)
                    | Q(segment__isnull=True, support__isnull=True, site__isnull=True, enclosure__isnull=True, cable__isnull=False)
                ),
                name="damaged_asset_exactly_one_fk",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referred_type} {self.code}"


class StatusChange(models.Model):
    """One entry of a ticket's status history (TMF621 `statusChange`)."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("statut"), max_length=15, choices=TicketStatus.choices)
    change_date = models.DateTimeField(_("date"), default=timezone.now)
    change_reason = models.TextField(_("motif"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["change_date", "id"]


class TicketNote(models.Model):
    """A note (*commentaire*) on a ticket; notes are only ever appended."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="notes")
    author = models.CharField(_("auteur"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    date = models.DateTimeField(_("date"), default=timezone.now)
    text = models.TextField(_("texte"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["date", "id"]


def attachment_path(instance, filename):
    return f"troubleTickets/{instance.ticket_id}/{filename}"


class TicketAttachment(models.Model):
    """A photo from the field (*photo terrain*) attached to a ticket; JPEG, PNG or WebP, size-checked."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("nom"), max_length=200)
    mime_type = models.CharField(_("type MIME"), max_length=50)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    description = models.TextField(_("description"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("ajoutée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["created_at", "id"]


class IdempotencyRecord(models.Model):
    """The first answer to a ticket creation sent with an `Idempotency-Key`: a replay of the same key
    by the same user returns that ticket; the same key with another body is refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="+")
    status_code = models.PositiveSmallIntegerField(default=201)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("clé d'idempotence")
        verbose_name_plural = _("clés d'idempotence")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]
