from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class Departement(models.Model):
    """A French département (*département*), from IGN Admin Express. Public reference data."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    geom = models.MultiPolygonField(_("géométrie"), srid=2154)

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Commune(models.Model):
    """A commune (*commune*) by INSEE code, from IGN Admin Express. Public reference data."""

    insee = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=150)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    geom = models.MultiPolygonField(_("géométrie"), srid=2154)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["insee"]

    def __str__(self) -> str:
        return f"{self.name} ({self.insee})"
