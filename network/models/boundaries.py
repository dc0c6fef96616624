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


class FormerCommune(models.Model):
    """A commune code of an earlier Official Geographic Code that no longer exists: merged into a
    *commune nouvelle* (its *commune déléguée* or *associée*) since. Lookups by that code resolve
    to the current commune, whose geometry is the union of its former parts."""

    insee = models.CharField(_("ancien code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("ancien nom"), max_length=150, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="former_codes")

    class Meta:
        verbose_name = _("ancienne commune")
        verbose_name_plural = _("anciennes communes")
        ordering = ["insee"]

    def __str__(self) -> str:
        return f"{self.insee} → {self.commune_id}"


class BoundaryRelease(models.Model):
    """What `load_boundaries` last loaded (so that running it again on the same files is a no-op)."""

    sha256 = models.CharField(max_length=64)
    description = models.TextField(blank=True)
    departements = models.PositiveIntegerField(default=0)
    communes = models.PositiveIntegerField(default=0)
    former_codes = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at"]
