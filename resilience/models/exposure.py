from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class AssetClass(models.TextChoices):
    """The asset classes of the vulnerability matrix (GraceTHD `cm_typ_imp` grouped, plus sites)."""

    AERIAL_TELECOM = "aerial_telecom", _("Aérien sur appuis télécom")
    AERIAL_POWER = "aerial_power", _("Aérien sur appuis énergie")
    FACADE = "facade", _("Façade")
    UNDERGROUND_CONDUIT = "underground_conduit", _("Conduite souterraine")
    DIRECT_BURIAL = "direct_burial", _("Pleine terre")
    CHAMBER = "chamber", _("Chambre")
    SITE = "site", _("Site technique")


class VulnerabilityRule(models.Model):
    """One cell of the vulnerability matrix (*matrice de vulnérabilité*): the probability that an
    asset of `asset_class` fails under `hazard` at `level`. Editable in the admin; shipped defaults
    in migration 0002 (docs/alerts.md). No row = not exposed."""

    hazard = models.CharField(_("aléa"), max_length=24)
    asset_class = models.CharField(_("classe d'ouvrage"), max_length=24, choices=AssetClass.choices)
    level = models.PositiveSmallIntegerField(_("niveau"))
    probability = models.FloatField(_("probabilité de défaillance"))

    class Meta:
        verbose_name = _("règle de vulnérabilité")
        verbose_name_plural = _("matrice de vulnérabilité")
        ordering = ["hazard", "asset_class", "level"]
        constraints = [
            models.UniqueConstraint(fields=["hazard", "asset_class", "level"], name="resilience_vulnerability_unique"),
            models.CheckConstraint(condition=models.Q(probability__gte=0, probability__lte=1), name="resilience_vulnerability_probability"),
        ]

    def __str__(self) -> str:
        return f"{self.hazard}/{self.asset_class}/{self.level}: {self.probability}"


class ExposureStatus(models.TextChoices):
    CURRENT = "current", _("À jour")
    SUPERSEDED = "superseded", _("Remplacé")
    FAILED = "failed", _("Échec")


class ExposureRun(models.Model):
    """The exposure (*exposition*) of one network to one alert: which route segments, supports,
    sites, enclosures and premises the alert's area covers (the assets one by one in `ExposedAsset`,
    with their failure probability), and figures per commune. Computed by a Celery task when the alert is created/updated/cancelled or
    the network version changes; stored so the API answers at once. One `current` run per
    (alert, network); older ones are `superseded`.

    Network data: scoped to the network's owner and operator.
    """

    alert = models.ForeignKey("resilience.Alert", on_delete=models.CASCADE, related_name="exposure_runs")
    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="exposure_runs")
    network_version = models.PositiveBigIntegerField(_("version du réseau"))
    status = models.CharField(_("état"), max_length=12, choices=ExposureStatus.choices, default=ExposureStatus.CURRENT)
    computed_at = models.DateTimeField(_("calculé le"), auto_now_add=True)
    duration_ms = models.PositiveIntegerField(_("durée (ms)"), default=0)
    totals = models.JSONField(_("totaux"), default=dict)
    per_commune = models.JSONField(_("par commune"), default=list)
    impact = models.JSONField(_("impact"), default=dict, blank=True, help_text=_("Rempli par le moteur d'impact."))

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        verbose_name = _("calcul d'exposition")
        verbose_name_plural = _("calculs d'exposition")
        ordering = ["-computed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "network"], condition=models.Q(status="current"), name="resilience_exposure_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"exposure alert={self.alert_id} network={self.network_id} v{self.network_version}"


class ExposedAssetKind(models.TextChoices):
    SEGMENT = "segments", _("Tronçon")
    SUPPORT = "supports", _("Appui")
    SITE = "sites", _("Site technique")
    ENCLOSURE = "enclosures", _("Boîtier")


class ExposedAsset(models.Model):
    """One asset an exposure run finds exposed (*ouvrage exposé*), with its failure probability and
    the commune (INSEE) of its point. Filled set-based (`INSERT … SELECT`, services/exposure.py)
    when the run is computed, so a département-wide alert's hundreds of thousands of assets are
    neither serialised in Python nor kept as one JSON document: the paged list
    (`/api/v1/alerts/<id>/exposure/assets/`) and the exposure tiles read it through its indexes.
    Kept for the current run only: rows of a superseded run are dropped, and all go with the run.
    One index, (run, kind, asset_id): the pages follow it and the tiles look assets up by it; an
    index on the probability tripled the INSERT (random insertion order) for one ordering.

    Network data: scoped like its run (the network's owner and operator)."""

    run = models.ForeignKey(ExposureRun, on_delete=models.CASCADE, related_name="exposed_assets")
    kind = models.CharField(_("type d'ouvrage"), max_length=10, choices=ExposedAssetKind.choices)
    asset_id = models.BigIntegerField(_("identifiant de l'ouvrage"))
    code = models.CharField(_("code"), max_length=254)
    probability = models.FloatField(_("probabilité de défaillance"))
    commune = models.CharField(_("commune (INSEE)"), max_length=5, blank=True, default="")

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("run__network__owner", "run__network__operator")

    class Meta:
        verbose_name = _("ouvrage exposé")
        verbose_name_plural = _("ouvrages exposés")
        constraints = [models.UniqueConstraint(fields=["run", "kind", "asset_id"], name="resilience_exposedasset_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} p={self.probability}"
