from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class AlertSource(models.TextChoices):
    CAP = "cap", _("CAP 1.2")
    VIGILANCE = "vigilance", _("Vigilance Météo-France")
    VIGICRUES = "vigicrues", _("Vigicrues")
    MANUAL = "manual", _("Saisie manuelle")


class Hazard(models.TextChoices):
    """The hazard (*aléa*) of an alert. Mapping from each source: docs/alerts.md."""

    WIND = "wind", _("Vent violent")
    RAIN_FLOOD = "rain_flood", _("Pluie-inondation")
    THUNDERSTORM = "thunderstorm", _("Orages")
    RIVER_FLOOD = "river_flood", _("Crues")
    SNOW_ICE = "snow_ice", _("Neige-verglas")
    COASTAL_SUBMERSION = "coastal_submersion", _("Vagues-submersion")
    HEAT = "heat", _("Canicule")
    COLD = "cold", _("Grand froid")
    OTHER = "other", _("Autre")


class Level(models.IntegerChoices):
    """Vigilance colour (*couleur de vigilance*), Météo-France and Vigicrues numbering; beyond red,
    the overseas cyclone vigilance (*vigilance cyclonique*): violet, confinement ordered, the
    cyclone is on the territory; grey, the cyclone has passed but its dangers remain (floods,
    landslides, fallen lines): no going out without need."""

    GREEN = 1, _("Vert")
    YELLOW = 2, _("Jaune")
    ORANGE = 3, _("Orange")
    RED = 4, _("Rouge")
    VIOLET = 5, _("Violet (confinement)")
    GREY = 6, _("Gris (cyclone passé, dangers persistants)")


class AlertStatus(models.TextChoices):
    ACTUAL = "actual", _("Réelle")
    EXERCISE = "exercise", _("Exercice")
    TEST = "test", _("Test")


class Lifecycle(models.TextChoices):
    ACTIVE = "active", _("En cours")
    SUPERSEDED = "superseded", _("Remplacée")
    CANCELLED = "cancelled", _("Annulée")
    ENDED = "ended", _("Terminée (retour au vert)")
    EXPIRED = "expired", _("Expirée")


class AlertQuerySet(RestrictedQuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(lifecycle=Lifecycle.ACTIVE).filter(Q(expires__isnull=True) | Q(expires__gt=now))


class Alert(models.Model):
    """A weather or flood alert (*alerte / vigilance*) over an area, from a public service (CAP,
    Météo-France vigilance, Vigicrues) or entered by an organisation (manual).

    Identity: (`source`, `sender`, `identifier`) — the same identifier received twice is the same
    alert, updated in place (CAP: the Update message carries a new identifier and names the old
    one in `references`: the old row becomes `superseded` with `superseded_by` set, the new one
    is active). A Cancel ends the alerts it references; `expires` in the past ends it too (the
    `expire_alerts` beat task flips `lifecycle`).

    Visibility: alerts from public services are public information (every authenticated caller
    reads them); a manual alert belongs to the organisation that submitted it (`organisation`) and
    only its members see it. Exposure figures are network data and are scoped per network.
    """

    source = models.CharField(_("source"), max_length=16, choices=AlertSource.choices)
    sender = models.CharField(_("émetteur"), max_length=255, blank=True)
    identifier = models.CharField(_("identifiant"), max_length=255)
    sent = models.DateTimeField(_("émise le"), null=True, blank=True)
    msg_type = models.CharField(_("type de message"), max_length=10, default="Alert")
    hazard = models.CharField(_("aléa"), max_length=24, choices=Hazard.choices)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices)
    status = models.CharField(_("statut"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.ACTUAL)
    lifecycle = models.CharField(_("cycle de vie"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    headline = models.CharField(_("titre"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("langue"), max_length=16, blank=True)
    event = models.CharField(_("événement"), max_length=255, blank=True)
    onset = models.DateTimeField(_("début"), null=True, blank=True)
    expires = models.DateTimeField(_("fin de validité"), null=True, blank=True)
    area = models.MultiPolygonField(
        _("zone"), srid=2154, null=True, blank=True,
        help_text=_("Vide : alerte valide dont la zone n'est décrite qu'en mots ou par des géocodes étrangers."),
    )
    area_description = models.TextField(_("description de la zone"), blank=True)
    departements = models.ManyToManyField("network.Departement", blank=True, related_name="alerts")
    communes = models.ManyToManyField("network.Commune", blank=True, related_name="alerts")
    details = models.JSONField(_("détails de la source"), default=dict, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts",
        verbose_name=_("organisation émettrice"), help_text=_("Alertes manuelles seulement ; vide = information publique."),
    )
    network = models.ForeignKey(
        "network.Network", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts",
        verbose_name=_("réseau visé"), help_text=_("Alerte manuelle limitée à un réseau."),
    )
    raw_message = models.ForeignKey("resilience.RawMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    superseded_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supersedes")
    ended_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "sender", "identifier"], name="resilience_alert_identity_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=6), name="resilience_alert_level_range"),
            models.CheckConstraint(condition=Q(area__isvalid=True), name="resilience_alert_area_valid"),
        ]
        indexes = [models.Index(fields=["lifecycle", "hazard", "level"])]

    def __str__(self) -> str:
        return f"{self.get_hazard_display()} {self.get_level_display()} ({self.identifier})"

    @classmethod
    def scope_q(cls, org_ids) -> Q:
        """Public alerts for everyone; manual alerts for their organisation only."""
        return Q(organisation__isnull=True) | Q(organisation__in=org_ids)

    @property
    def is_active(self) -> bool:
        return self.lifecycle == Lifecycle.ACTIVE and (self.expires is None or self.expires > timezone.now())

    def stakeholders(self) -> list:
        """Organisations told about this alert in outbox events (empty: public, every subscriber)."""
        return [self.organisation_id] if self.organisation_id else []
