from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class FloodZone(models.Model):
    """A flood-hazard zone (*zone d'aléa inondation*, e.g. PPRI/PPRN zonage, TRI), public data
    imported from GeoJSON or shapefile (`load_floodzones`). Refines flood exposure: a river-flood
    or submersion alert whose area meets flood zones exposes only what lies inside them."""

    dataset = models.CharField(_("jeu de données"), max_length=100, help_text=_("ex. PPRN 76DDTM20120001"))
    hazard = models.CharField(_("aléa"), max_length=24, help_text=_("river_flood ou coastal_submersion"))
    intensity = models.CharField(_("niveau d'aléa"), max_length=20, blank=True)
    occurrence = models.CharField(_("occurrence"), max_length=20, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    geom = models.MultiPolygonField(_("géométrie"), srid=2154)

    class Meta:
        verbose_name = _("zone inondable")
        verbose_name_plural = _("zones inondables")
        indexes = [models.Index(fields=["dataset"])]

    def __str__(self) -> str:
        return f"{self.dataset} {self.intensity}"
