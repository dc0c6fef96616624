"""Serializers of the network API: the networks (counts, extent, version) and the map layers as
GeoJSON features in WGS84 (EPSG:4326). A feature's `id` is the object's GraceTHD code (the INSEE
code for communes); its geometry is the `geom_wgs84` annotation: GeoJSON text made by PostGIS."""
import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ..models import Cable, Commune, Enclosure, Network, Premises, RouteSegment, Site, SupportPoint



@extend_schema_field({"type": "object", "description": "Géométrie GeoJSON en EPSG:4326"})
class GeoJSONTextField(GeometryField):
    """A geometry already rendered as GeoJSON text by the database (ST_AsGeoJSON)."""

    def to_representation(self, value):
        if isinstance(value, str):
            return json.loads(value)
        return super().to_representation(value)


class NetworkSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    operator = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    departement = serializers.CharField(source="departement_id", read_only=True)
    counts = serializers.SerializerMethodField()
    extent = serializers.SerializerMethodField(help_text="[minlon, minlat, maxlon, maxlat] en EPSG:4326, null si vide")

    class Meta:
        model = Network
        fields = ["slug", "name", "owner", "operator", "departement", "territory", "version", "counts", "extent",
                  "created_at", "updated_at"]
        read_only_fields = ["territory"]

    def _summary(self, network):
        return self.context["summaries"][network.pk]

    def get_counts(self, network) -> dict:
        return self._summary(network).counts

    def get_extent(self, network) -> list | None:
        extent = self._summary(network).extent_4326
        return list(extent) if extent else None


class LayerSerializer(GeoFeatureModelSerializer):
    """Reads rows as dicts (`queryset.values(*value_fields())`): building 5 000 model instances
    costs more than the query."""

    id = serializers.CharField(source="code", read_only=True)
    geom = GeoJSONTextField(source="geom_wgs84", read_only=True)

    @classmethod
    def value_fields(cls) -> list[str]:
        """The queryset columns and annotations the fields read."""
        return list(dict.fromkeys(field.source for field in cls().fields.values()))

    class Meta:
        geo_field = "geom"
        id_field = "id"
        fields: list = []


class SiteSerializer(LayerSerializer):
    class Meta(LayerSerializer.Meta):
        model = Site
        fields = ["id", "geom", "code", "name", "site_type", "physical_type", "status"]


class SupportSerializer(LayerSerializer):
    class Meta(LayerSerializer.Meta):
        model = SupportPoint
        fields = ["id", "geom", "code", "support_type", "logical_type", "owner", "state", "status"]


class RouteSerializer(LayerSerializer):
    node1 = serializers.CharField(source="node1_code", read_only=True)
    node2 = serializers.CharField(source="node2_code", read_only=True)

    class Meta(LayerSerializer.Meta):
        model = RouteSegment
        fields = ["id", "geom", "code", "laying_mode", "length_m", "status", "node1", "node2"]


class CableSerializer(LayerSerializer):
    node1 = serializers.CharField(source="node1_code", read_only=True)
    node2 = serializers.CharField(source="node2_code", read_only=True)

    class Meta(LayerSerializer.Meta):
        model = Cable
        fields = ["id", "geom", "code", "role", "capacity", "length_m", "status", "node1", "node2"]


class EnclosureSerializer(LayerSerializer):
    support = serializers.CharField(source="support_code", read_only=True, allow_null=True)

    class Meta(LayerSerializer.Meta):
        model = Enclosure
        fields = ["id", "geom", "code", "enclosure_type", "status", "connection_failure", "support"]


class PremisesSerializer(LayerSerializer):
    commune = serializers.CharField(source="commune_id", read_only=True, allow_null=True)
    commune_name = serializers.CharField(read_only=True, allow_null=True)
    pbo = serializers.CharField(source="pbo_code", read_only=True, allow_null=True)

    class Meta(LayerSerializer.Meta):
        model = Premises
        fields = ["id", "geom", "code", "address", "commune", "commune_name", "housing_units",
                  "business_units", "connection_status", "critical_category", "pbo", "suf_code"]


class CommuneSerializer(LayerSerializer):
    id = serializers.CharField(source="insee", read_only=True)
    departement = serializers.CharField(source="departement_id", read_only=True)
    premises = serializers.IntegerField(source="premises_count", read_only=True)

    class Meta(LayerSerializer.Meta):
        model = Commune
        fields = ["id", "geom", "insee", "name", "departement", "premises"]


LAYER_SERIALIZERS = {
    "sites": SiteSerializer, "supports": SupportSerializer, "routes": RouteSerializer, "cables": CableSerializer,
    "enclosures": EnclosureSerializer, "premises": PremisesSerializer, "communes": CommuneSerializer,
}
