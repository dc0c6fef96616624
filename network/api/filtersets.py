"""django-filter filters of the map layers. Lists take comma-separated values
(`?laying_mode=0,1`); a value outside the GraceTHD list is refused with a 400 naming the filter."""
import django_filters as filters
from django.utils.translation import gettext_lazy as _

from django.db.models import Subquery

from ..models import Cable, Commune, Enclosure, Premises, RouteSegment, Site, SupportPoint
from ..models.premises import ConnectionStatus, CriticalCategory
from ..models.topology import AssetState, CableRole, EnclosureType, LayingMode, SiteType, SupportOwner, SupportType


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """One or several values of a GraceTHD list, comma-separated."""


class CharInFilter(filters.BaseInFilter, filters.CharFilter):
    """One or several free values, comma-separated."""


class CommuneIntersectsFilter(filters.CharFilter):
    """Objects whose geometry meets the boundary of a commune (INSEE code), for layers without a
    commune column (routes, supports...). The boundary is read by a subquery, in Lambert-93."""

    def filter(self, qs, value):
        if not value:
            return qs

        boundary = Commune.objects.filter(insee=value).values("geom")[:1]
        return qs.filter(geom__intersects=Subquery(boundary))


class LayerFilterSet(filters.FilterSet):
    commune = CommuneIntersectsFilter(label=_("commune (code INSEE)"))
    code = CharInFilter(field_name="code", label=_("codes GraceTHD (séparés par des virgules)"))
    status = CharInFilter(field_name="status", label=_("statut"))


class SiteFilterSet(LayerFilterSet):
    site_type = ChoiceInFilter(choices=SiteType.choices, label=_("type logique"))

    class Meta:
        model = Site
        fields = ["code", "status", "site_type", "commune"]


class SupportFilterSet(LayerFilterSet):
    support_type = ChoiceInFilter(choices=SupportType.choices, label=_("type physique"))
    owner = ChoiceInFilter(choices=SupportOwner.choices, label=_("propriétaire"))
    state = ChoiceInFilter(choices=AssetState.choices, label=_("état"))

    class Meta:
        model = SupportPoint
        fields = ["code", "status", "support_type", "owner", "state", "commune"]


class RouteFilterSet(LayerFilterSet):
    laying_mode = ChoiceInFilter(choices=LayingMode.choices, label=_("mode d'implantation (cm_typ_imp)"))

    class Meta:
        model = RouteSegment
        fields = ["code", "status", "laying_mode", "commune"]


class CableFilterSet(LayerFilterSet):
    role = ChoiceInFilter(choices=CableRole.choices, label=_("rôle"))

    class Meta:
        model = Cable
        fields = ["code", "status", "role", "commune"]


class EnclosureFilterSet(LayerFilterSet):
    enclosure_type = ChoiceInFilter(choices=EnclosureType.choices, label=_("type logique"))

    class Meta:
        model = Enclosure
        fields = ["code", "status", "enclosure_type", "commune"]


class PremisesFilterSet(filters.FilterSet):
    code = CharInFilter(field_name="code", label=_("codes GraceTHD (séparés par des virgules)"))
    commune = CharInFilter(field_name="commune_id", label=_("commune (code INSEE)"))
    connection_status = ChoiceInFilter(choices=ConnectionStatus.choices, label=_("statut de raccordement"))
    critical_category = ChoiceInFilter(
        choices=[c for c in CriticalCategory.choices if c[0]], label=_("catégorie de site sensible"))
    critical = filters.BooleanFilter(method="filter_critical", label=_("sites sensibles seulement"))
    pbo = CharInFilter(field_name="pbo__code", label=_("PBO de desserte (code)"))

    class Meta:
        model = Premises
        fields = ["code", "commune", "connection_status", "critical_category", "critical", "pbo"]

    def filter_critical(self, qs, name, value):
        if value is None:
            return qs
        return qs.exclude(critical_category="") if value else qs.filter(critical_category="")


class CommuneFilterSet(filters.FilterSet):
    insee = CharInFilter(field_name="insee", label=_("codes INSEE"))
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("nom contient"))

    class Meta:
        model = Commune
        fields = ["insee", "name"]


LAYER_FILTERSETS = {
    "sites": SiteFilterSet, "supports": SupportFilterSet, "routes": RouteFilterSet, "cables": CableFilterSet,
    "enclosures": EnclosureFilterSet, "premises": PremisesFilterSet, "communes": CommuneFilterSet,
}
