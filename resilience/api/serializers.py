"""Request and response shapes of the resilience API (impact, trace, SPOF, commune report)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ImpactRequestSerializer(serializers.Serializer):
    """POST /api/v1/impact/: the failed assets by GraceTHD code; `page`/`page_size` page the
    premises list (they may also come in the query string)."""

    network = serializers.SlugField(help_text=_("Identifiant court du réseau."))
    segments = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                     help_text=_("Codes des cheminements coupés."))
    supports = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                     help_text=_("Codes des points techniques (appuis, chambres) tombés."))
    sites = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                  help_text=_("Codes des sites techniques inondés ou hors service."))
    page = serializers.IntegerField(min_value=1, required=False, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=5000, required=False, default=100)


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=5000, required=False)


class NetworkQuerySerializer(serializers.Serializer):
    network = serializers.SlugField(help_text=_("Identifiant court du réseau."))


class SpofQuerySerializer(serializers.Serializer):
    min_premises = serializers.IntegerField(min_value=1, required=False, default=1)


class ImpactResponseSerializer(serializers.Serializer):
    """Documentation of the impact answer (built as a plain dict by the view)."""

    network = serializers.CharField()
    version = serializers.IntegerField()
    figures = serializers.DictField()
    communes = serializers.ListField(child=serializers.DictField())
    critical_sites = serializers.ListField(child=serializers.DictField())
    failed = serializers.DictField()
    premises = serializers.DictField()
    geojson = serializers.DictField()
    model = serializers.DictField(help_text="service-path model in use: service_paths ('cable-level' or "
                                  "'fibre' or 'mixed'), premises_with_fibre_path, level_split_nodes; with "
                                  "optical routes: optical_routes, dropped_routes (by reason)")


class TraceResponseSerializer(serializers.Serializer):
    """Hops from the premises up to the NRO: premises, enclosure, cable (segments, supports), site…"""

    premises = serializers.CharField()
    served = serializers.BooleanField()
    nro = serializers.CharField(allow_null=True)
    length_m = serializers.FloatField()
    model = serializers.CharField(help_text="'fibre' when the hops are the premises' optical route (fibres, "
                                  "cassettes, patch panels), else 'cable-level'")
    routes = serializers.ListField(child=serializers.CharField(), help_text="optical routes (t_ropt rt_code) shown")
    hops = serializers.ListField(child=serializers.DictField())


class SpofResponseSerializer(serializers.Serializer):
    network = serializers.CharField()
    version = serializers.IntegerField()
    min_premises = serializers.IntegerField()
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = serializers.ListField(child=serializers.DictField())


class CommuneResilienceResponseSerializer(serializers.Serializer):
    network = serializers.CharField()
    version = serializers.IntegerField()
    commune = serializers.DictField()
    premises = serializers.IntegerField()
    premises_served = serializers.IntegerField()
    premises_not_served = serializers.IntegerField()
    households = serializers.IntegerField()
    businesses = serializers.IntegerField()
    routes_km_by_laying_mode = serializers.ListField(child=serializers.DictField())
    routes_km_total = serializers.FloatField()
    aerial_dependency = serializers.DictField()
    overhead_dependency = serializers.DictField()
    top_single_points_of_failure = serializers.ListField(child=serializers.DictField())
    critical_sites_single_path = serializers.JSONField()
    premises_per_pbo = serializers.DictField()
