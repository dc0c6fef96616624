from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class AssetKind(models.TextChoices):
    """The tagged asset's table; the letters are the exposure's (resilience exposure selection `kind`)."""

    SEGMENT = "s", _("cheminement")
    SUPPORT = "p", _("point technique")
    SITE = "t", _("site technique")


class AssetCommune(models.Model):
    """The commune (*commune*, INSEE code) a route segment, technical point or technical site lies
    in, for one version of its network: the asset's point (a segment's midpoint), the smaller INSEE
    on a border, '' in no commune (at sea, abroad). Derived data, computed set-based by
    network/services/asset_communes.py once per network version (when the worker stores the
    version's service graph, else before its first exposure), so that the exposure of a
    département-wide alert makes no point-in-commune test (issue 18: alert POST to exposure visible
    under 5 s). A side table rather than a column of the asset tables: filling a column rewrites
    every row and every index entry of 480 000 assets (87–106 s at 300 000 premises), inserting
    narrow rows takes a few seconds."""

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveBigIntegerField(_("version du réseau"))
    kind = models.CharField(_("type d'ouvrage"), max_length=1, choices=AssetKind.choices)
    asset_id = models.BigIntegerField(_("ouvrage"))
    insee = models.CharField(_("commune (INSEE)"), max_length=5, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        verbose_name = _("commune d'un ouvrage")
        verbose_name_plural = _("communes des ouvrages")
        constraints = [models.UniqueConstraint(fields=["kind", "asset_id"], name="assetcommune_asset_unique")]

    def __str__(self) -> str:
        return f"{self.kind}{self.asset_id} → {self.insee or '-'}"
