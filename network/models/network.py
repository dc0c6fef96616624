from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet

from .territory import Territory, local_srid


class Network(models.Model):
    """A fibre network (*réseau d'initiative publique*, RIP): owned by a syndicate, operated by an
    operator (OI) under delegation. Every network object belongs to one network and is scoped
    through it: the owner and the operator see it, nobody else.

    `version` goes up on every change of topology (import, generation, edit), so caches built from
    the network (the service graph, tiles) know when to rebuild.
    """

    slug = models.SlugField(_("identifiant court"), max_length=64, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    owner = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="owned_networks",
        verbose_name=_("propriétaire (syndicat)"),
    )
    operator = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="operated_networks",
        null=True, blank=True, verbose_name=_("exploitant (OI)"),
    )
    departement = models.ForeignKey(
        "network.Departement", on_delete=models.PROTECT, null=True, blank=True, related_name="networks"
    )
    territory = models.CharField(
        _("territoire"), max_length=16, choices=Territory.choices, default=Territory.METROPOLE,
        help_text=_("Projection légale des livraisons GraceTHD et des mesures (longueurs, distances)."),
    )
    version = models.PositiveBigIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("owner", "operator")

    class Meta:
        verbose_name = _("réseau")
        verbose_name_plural = _("réseaux")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_srid(self) -> int:
        """The SRID its lengths and distances are measured in (its territory's legal projection)."""
        return local_srid(self.territory)

    def bump_version(self) -> None:
        """Mark the topology as changed (atomic in SQL: concurrent bumps are not lost)."""
        Network.objects.filter(pk=self.pk).update(version=F("version") + 1)
        self.refresh_from_db(fields=["version", "updated_at"])
