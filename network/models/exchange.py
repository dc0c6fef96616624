from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class Severity(models.TextChoices):
    BLOCKING = "blocking", _("bloquant")
    MAJOR = "major", _("majeur")
    MINOR = "minor", _("mineur")


class DeliveredTable(models.Model):
    """One GraceTHD table as delivered at the network's last import (*table du livrable*), kept
    whole so that the export gives back every table and field, including those the model does not
    use (t_fibre, t_cassette, t_position, t_ropt, t_tiroir…). `fields` is the column order,
    `dtypes` the shapefile field kinds, `digest` the content hash that makes a re-import a no-op."""

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="delivered_tables")
    name = models.CharField(_("table"), max_length=64)
    version = models.CharField(_("version GraceTHD"), max_length=1, default="2")
    file_format = models.CharField(max_length=4, default="csv")
    fields = models.JSONField(default=list)
    dtypes = models.JSONField(default=dict, blank=True)
    geometry_type = models.CharField(max_length=32, blank=True)
    rows_count = models.PositiveIntegerField(default=0)
    digest = models.CharField(max_length=64)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        verbose_name = _("table GraceTHD livrée")
        verbose_name_plural = _("tables GraceTHD livrées")
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="deliveredtable_unique")]

    def __str__(self) -> str:
        return self.name


class DeliveredRow(models.Model):
    """One record of a delivered table, values as text (empty values left out of `data`). `code`
    is the table's key (first field), `data` is indexed (GIN) so that the foreign codes of
    t_fibre, t_position, t_ropt… can be queried, e.g. `data @> '{"fo_cb_code": "CB…"}'`."""

    table = models.ForeignKey(DeliveredTable, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    code = models.CharField(max_length=254, blank=True)
    data = models.JSONField(default=dict)
    geom = models.GeometryField(srid=2154, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table", "position"], name="deliveredrow_position_unique")]
        indexes = [models.Index(fields=["table", "code"]), GinIndex(fields=["data"], name="deliveredrow_data_gin",
                                                                    opclasses=["jsonb_path_ops"])]


class QualityRuleSeverity(models.Model):
    """A network's own severity for one control rule (*criticité d'un contrôle*), overriding the
    default of network/services/gracethd/quality.py."""

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="quality_severities")
    rule = models.CharField(_("règle"), max_length=64)
    severity = models.CharField(_("sévérité"), max_length=8, choices=Severity.choices)

    class Meta:
        verbose_name = _("sévérité d'un contrôle GraceTHD")
        verbose_name_plural = _("sévérités des contrôles GraceTHD")
        constraints = [models.UniqueConstraint(fields=["network", "rule"], name="qualityruleseverity_unique")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.severity}"


class ImportFault(models.Model):
    """One fault of an import's quality report (*anomalie*): rule, severity, where and why."""

    run = models.ForeignKey("network.ImportRun", on_delete=models.CASCADE, related_name="faults")
    rule = models.CharField(max_length=64)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    reference = models.CharField(max_length=64, blank=True)
    table = models.CharField(max_length=64)
    row = models.PositiveIntegerField(default=0)
    code = models.CharField(max_length=254, blank=True)
    field = models.CharField(max_length=64, blank=True)
    message = models.TextField()
    geom = models.GeometryField(srid=2154, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "severity"]), models.Index(fields=["run", "rule"])]
