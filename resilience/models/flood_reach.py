from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class FloodReach(models.Model):
    """A Vigicrues reach (*tronçon de vigilance crues*, `TronEntVigiCru`, TypEntVigiCru 8) with its
    river line, loaded from the Vigicrues reach feed (`load_vigicrues_reaches`,
    settings.VIGICRUES_REACH_FEED_URL). A Vigicrues bulletin putting a reach in vigilance then
    exposes what lies within settings.VIGICRUES_REACH_BUFFER_M of it (docs/alerts.md), not the
    whole département."""

    code = models.CharField(_("code du tronçon"), max_length=32, unique=True)
    name = models.CharField(_("nom"), max_length=200, blank=True)
    geom = models.MultiLineStringField(_("géométrie"), srid=2154)
    source = models.CharField(_("source"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("tronçon Vigicrues")
        verbose_name_plural = _("tronçons Vigicrues")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
