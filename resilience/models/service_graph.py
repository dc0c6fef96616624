from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredServiceGraph(models.Model):
    """The service graph of one network version as every process loads it (*graphe de desserte
    partagé*): built once by a worker, stored here, the authoritative copy every host reaches; each
    host keeps a local file copy under var/graphs/ keyed by the same version
    (resilience/services/graph/store.py). Old versions are dropped when a newer one is stored."""

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="stored_graphs")
    version = models.PositiveIntegerField(_("version du réseau"))
    data = models.BinaryField(_("graphe (compressé)"))
    size_bytes = models.PositiveBigIntegerField(default=0)
    build_seconds = models.FloatField(default=0.0)
    premises = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("graphe de desserte enregistré")
        verbose_name_plural = _("graphes de desserte enregistrés")
        constraints = [models.UniqueConstraint(fields=["network", "version"], name="storedservicegraph_unique")]

    def __str__(self) -> str:
        return f"{self.network_id} v{self.version}"
