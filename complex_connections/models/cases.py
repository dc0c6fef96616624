"""Complex connections (*raccordements complexes*): the last premises a standard connection cannot
reach, their cost estimate with the 2025 State aid for private-domain works, and their follow-up
until connected.

A case is a premises-level fact of the network, found by `complex_connections.services`
(rules named in `rules.py`), costed with the network's `ComplexConnectionCostModel` (`costs.py`)
and followed through a small workflow (`ComplexConnectionStatus`, transitions in
`ComplexConnection.TRANSITIONS`).
"""
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


def euros(default: str, label):
    return models.DecimalField(label, max_digits=10, decimal_places=2, default=Decimal(default))


class ComplexConnectionCostModel(models.Model):
    """Unit costs and State aid tiers (*bordereau de prix unitaires* and *aide à l'État 2025 pour
    les travaux en domaine privé*) used to estimate complex connections.

    One per network; the row without a network holds the shipped defaults (data migration
    0004) and is used by every network that has none of its own. Change it through
    `complex_connections.services.costs.save_cost_model`, which re-prices the cases it prices
    and audits the change with its actor (the admin does); `save()` alone re-prices nothing.
    """

    network = models.OneToOneField(
        "network.Network", on_delete=models.CASCADE, null=True, blank=True, related_name="complex_cost_model",
        verbose_name=_("réseau"), help_text=_("Vide : valeurs par défaut, utilisées par les réseaux sans modèle propre."),
    )
    base_connection = euros("250", _("raccordement de base (€)"))
    trench_per_m = euros("80", _("tranchée (€/m)"))
    conduit_per_m = euros("8", _("tirage en fourreau existant (€/m)"))
    aerial_per_m = euros("12", _("câble aérien (€/m)"))
    facade_per_m = euros("25", _("pose en façade (€/m)"))
    new_pole = euros("1200", _("poteau neuf (€)"))
    chamber = euros("900", _("chambre de tirage (€)"))
    vertical_cabling_per_housing = euros("180", _("colonne montante (€/logement)"))
    aid_under_10m = euros("400", _("aide : moins de 10 m (€)"))
    aid_10_30m = euros("800", _("aide : 10 à 30 m ou surface dure (€)"))
    aid_over_30m = euros("1200", _("aide : plus de 30 m (€)"))
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        db_table = "network_complexconnectioncostmodel"  # created by network 0003, kept when the model moved here
        verbose_name = _("modèle de coût des raccordements complexes")
        verbose_name_plural = _("modèles de coût des raccordements complexes")
        constraints = [
            # One row per network and a single defaults row (network NULL): NULLS NOT DISTINCT.
            models.UniqueConstraint(fields=["network"], nulls_distinct=False, name="complex_cost_model_one_per_network"),
        ]

    def __str__(self) -> str:
        return str(_("Défauts livrés")) if self.network_id is None else str(self.network)


class ComplexConnectionStatus(models.TextChoices):
    DETECTED = "detected", _("Détecté")
    SURVEYED = "surveyed", _("Visité (relevé terrain)")
    QUOTED = "quoted", _("Chiffré (devis)")
    AID_REQUESTED = "aid_requested", _("Aide demandée")
    WORKS_SCHEDULED = "works_scheduled", _("Travaux programmés")
    CONNECTED = "connected", _("Raccordé")
    ABANDONED = "abandoned", _("Abandonné")


S = ComplexConnectionStatus


class ComplexConnection(models.Model):
    """A complex connection case (*dossier de raccordement complexe*) for one premises of one
    network: the rules that fired (codes in `rules`, explained in French with their figures in
    `findings`), the measured inputs, the cost breakdown, estimated cost, aid and remaining
    charge, a priority score, and its status in the workflow."""

    # Allowed moves; anything else is refused naming the current and requested status.
    TRANSITIONS = {
        S.DETECTED: {S.SURVEYED, S.ABANDONED},
        S.SURVEYED: {S.QUOTED, S.ABANDONED},
        S.QUOTED: {S.AID_REQUESTED, S.WORKS_SCHEDULED, S.ABANDONED},
        S.AID_REQUESTED: {S.WORKS_SCHEDULED, S.ABANDONED},
        S.WORKS_SCHEDULED: {S.CONNECTED, S.ABANDONED},
        S.CONNECTED: set(),
        S.ABANDONED: set(),
    }
    # Estimates follow the cost model until a quote replaces them.
    LIVE_ESTIMATE_STATUSES = (S.DETECTED, S.SURVEYED)

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="complex_connections")
    premises = models.ForeignKey("network.Premises", on_delete=models.CASCADE, related_name="complex_connections")
    rules = ArrayField(models.CharField(max_length=40), verbose_name=_("règles déclenchées"), default=list)
    findings = models.JSONField(_("constats"), default=list, help_text=_("[{rule, label, explanation}]"))
    explanation = models.TextField(_("explication"), blank=True)
    inputs = models.JSONField(_("mesures"), default=dict, help_text=_("Longueurs et codes mesurés à la détection."))
    hard_surface = models.BooleanField(
        _("surface dure"), default=False, help_text=_("Relevé terrain : enrobé, béton… (palier d'aide 800 € au moins).")
    )
    cost_breakdown = models.JSONField(_("détail du coût"), default=list)
    estimated_cost = models.DecimalField(_("coût estimé (€)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    aid = models.DecimalField(_("aide de l'État (€)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    remaining_charge = models.DecimalField(_("reste à charge (€)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    priority_score = models.FloatField(_("score de priorité"), default=0, db_index=True)
    status = models.CharField(_("statut"), max_length=20, choices=S.choices, default=S.DETECTED)
    abandon_reason = models.TextField(_("motif d'abandon"), blank=True)
    assigned_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("organisation chargée"),
    )
    detected_at = models.DateTimeField(_("détecté le"), auto_now_add=True)
    last_detection_at = models.DateTimeField(_("dernière détection"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("statut modifié le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator", "assigned_organisation")

    class Meta:
        db_table = "network_complexconnection"  # created by network 0003, kept when the model moved here
        verbose_name = _("raccordement complexe")
        verbose_name_plural = _("raccordements complexes")
        ordering = ["-priority_score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "premises"], name="complex_connection_unique_premises"),
            models.CheckConstraint(
                condition=~Q(status=S.ABANDONED) | ~Q(abandon_reason=""), name="complex_connection_abandon_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["network", "status"], name="network_com_network_7798a3_idx"),
            GinIndex(fields=["rules"], name="complex_connection_rules_gin"),
        ]

    def __str__(self) -> str:
        return f"{_('Raccordement complexe')} {self.premises.code if self.premises_id else ''}".strip()

    @property
    def is_in_progress(self) -> bool:
        return self.status != S.DETECTED


class ComplexConnectionNote(models.Model):
    """A dated note on a case (*commentaire de suivi*); never rewritten."""

    case = models.ForeignKey(ComplexConnection, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("texte"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("case__network__owner", "case__network__operator", "case__assigned_organisation")

    class Meta:
        db_table = "network_complexconnectionnote"  # created by network 0003, kept when the model moved here
        verbose_name = _("note de raccordement complexe")
        verbose_name_plural = _("notes de raccordement complexe")
        ordering = ["created_at", "id"]


class ComplexConnectionAttachment(models.Model):
    """A file attached to a case (*pièce jointe*: survey photo, quote, aid form). Type and size
    are checked on upload (`complex_connections.services.attachments`)."""

    case = models.ForeignKey(ComplexConnection, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("fichier"), upload_to="complex-connections/%Y/%m/")
    filename = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("case__network__owner", "case__network__operator", "case__assigned_organisation")

    class Meta:
        db_table = "network_complexconnectionattachment"  # created by network 0003, kept when the model moved here
        verbose_name = _("pièce jointe de raccordement complexe")
        verbose_name_plural = _("pièces jointes de raccordement complexe")
        ordering = ["created_at", "id"]
