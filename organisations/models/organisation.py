from django.core.validators import validate_slug
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..scoping import RestrictedQuerySet
from ..validators import validate_insee_commune, validate_siren


class OrganisationKind(models.TextChoices):
    SYNDICATE = "syndicate", _("Syndicat numérique")
    OPERATOR = "operator", _("Opérateur d'infrastructure")
    COMMUNE = "commune", _("Commune")
    OTHER = "other", _("Autre")


class Organisation(models.Model):
    """An organisation (*organisation*): a syndicat mixte numérique that owns networks, an
    opérateur d'infrastructure (OI) that operates them under delegation, a commune, or other.

    Every API object is scoped to organisations; an operator is linked to the syndicates whose
    networks it operates (`syndicates`), a commune to its INSEE code.
    """

    slug = models.SlugField(_("identifiant court"), max_length=64, unique=True, validators=[validate_slug])
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationKind.choices)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    insee_code = models.CharField(
        _("code INSEE"), max_length=5, blank=True, validators=[validate_insee_commune],
        help_text=_("Pour une commune : son code INSEE."),
    )
    syndicates = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="operators",
        limit_choices_to={"kind": OrganisationKind.SYNDICATE},
        verbose_name=_("syndicats exploités"),
        help_text=_("Pour un opérateur : les syndicats dont il exploite les réseaux."),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in OrganisationKind]), name="organisation_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, organisation_ids):
        """An organisation sees itself and its partners: the syndicates it operates for, the
        operators that operate its networks."""
        links = cls.syndicates.through.objects
        return (
            Q(pk__in=organisation_ids)
            | Q(pk__in=links.filter(from_organisation__in=organisation_ids).values("to_organisation"))
            | Q(pk__in=links.filter(to_organisation__in=organisation_ids).values("from_organisation"))
        )
