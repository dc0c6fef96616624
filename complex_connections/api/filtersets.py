"""Filters of /api/v1/complex-connections/: network, commune, rule, status, critical, cost range, bbox."""
import django_filters
from django.contrib.gis.geos import Polygon
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from complex_connections.models import ComplexConnection, ComplexConnectionStatus
from complex_connections.services.rules import RULES


def parse_bbox(value: str) -> Polygon:
    """`minlon,minlat,maxlon,maxlat` (EPSG:4326) → a polygon in Lambert-93 (EPSG:2154)."""
    try:
        minx, miny, maxx, maxy = (float(v) for v in value.split(","))
    except ValueError:
        raise ValidationError({"bbox": [_("Attendu : minlon,minlat,maxlon,maxlat (EPSG:4326).")]})
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise ValidationError({"bbox": [_("Emprise invalide : il faut min < max, en degrés (EPSG:4326).")]})
    poly = Polygon.from_bbox((minx, miny, maxx, maxy))
    poly.srid = 4326
    poly.transform(2154)
    return poly


class ComplexConnectionFilterSet(django_filters.FilterSet):
    network = django_filters.CharFilter(field_name="network__slug", label=_("réseau (slug)"))
    commune = django_filters.CharFilter(field_name="premises__commune_id", label=_("commune (code INSEE)"))
    rule = django_filters.ChoiceFilter(
        choices=[(code, rule.label) for code, rule in RULES.items()], method="filter_rule", label=_("règle")
    )
    status = django_filters.MultipleChoiceFilter(choices=ComplexConnectionStatus.choices, label=_("statut"))
    critical = django_filters.BooleanFilter(method="filter_critical", label=_("site sensible"))
    min_cost = django_filters.NumberFilter(field_name="estimated_cost", lookup_expr="gte", label=_("coût minimum (€)"))
    max_cost = django_filters.NumberFilter(field_name="estimated_cost", lookup_expr="lte", label=_("coût maximum (€)"))
    assigned = django_filters.CharFilter(field_name="assigned_organisation__slug", label=_("organisation chargée"))
    bbox = django_filters.CharFilter(method="filter_bbox", label=_("emprise minlon,minlat,maxlon,maxlat"))

    class Meta:
        model = ComplexConnection
        fields = ["network", "commune", "rule", "status", "critical", "min_cost", "max_cost", "assigned", "bbox"]

    def filter_rule(self, queryset, name, value):
        return queryset.filter(rules__contains=[value]) if value else queryset

    def filter_critical(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(premises__critical_category="") if value else queryset.filter(premises__critical_category="")

    def filter_bbox(self, queryset, name, value):
        return queryset.filter(premises__geom__intersects=parse_bbox(value)) if value else queryset
