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


def valid_geometry(name: str = "geom"):
    """A CHECK constraint refusing invalid geometries in the database itself (ST_IsValid)."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{name}__isvalid": True}), name="%(app_label)s_%(class)s_" + f"{name}_valid"
    )
