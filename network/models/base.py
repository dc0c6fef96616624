from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class NetworkObject(models.Model):
    """Common ground of every network object: its network, and its GraceTHD code (natural key,
    unique per network). Scoped to the network's owner and operator."""

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code GraceTHD"), max_length=254)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["network", "code"], name="%(app_label)s_%(class)s_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class CommuneTagged(models.Model):
    """The commune (*commune*, INSEE code) an asset's point lies in: a point asset's position, a
    segment's midpoint; on a border, the smaller INSEE. It depends on the geometry and the
    boundaries, not on any alert, so it is computed once per network version
    (network/services/asset_communes.py: after an import or a generation, by the worker that
    stores the service graph, else by the first exposure) and the exposure of a département-wide
    alert needs no point-in-commune test (issue 18: alert POST to exposure visible under 5 s).
    NULL: not computed yet; '': the point lies in no commune (at sea, abroad)."""

    commune_insee = models.CharField(_("commune (INSEE)"), max_length=5, null=True, blank=True, editable=False)

    class Meta:
        abstract = True


def commune_missing_index(name: str) -> models.Index:
    """Partial index: finding a network's assets whose commune is not computed yet is instant."""
    return models.Index(fields=["network"], condition=models.Q(commune_insee__isnull=True), name=name)


def valid_geometry(name: str = "geom"):
    """A CHECK constraint refusing invalid geometries in the database itself (ST_IsValid)."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{name}__isvalid": True}), name="%(app_label)s_%(class)s_" + f"{name}_valid"
    )
