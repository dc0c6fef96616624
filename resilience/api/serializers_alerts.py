"""Serializers of alerts and exposure runs (API in WGS84, storage in Lambert-93)."""
from django.contrib.gis.geos import GEOSGeometry
from rest_framework import serializers

import json

from ..models import Alert, ExposureRun


class AlertSerializer(serializers.ModelSerializer):
    area = serializers.SerializerMethodField()
    departements = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    communes = serializers.SlugRelatedField(many=True, read_only=True, slug_field="insee")
    is_active = serializers.BooleanField(read_only=True)
    organisation = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    network = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    exposure_url = serializers.SerializerMethodField()
    intensity = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id", "source", "sender", "identifier", "sent", "msg_type", "hazard", "level", "status", "lifecycle",
            "is_active", "headline", "description", "language", "event", "onset", "expires", "area_description",
            "departements", "communes", "organisation", "network", "superseded_by", "ended_at", "created_at",
            "updated_at", "details", "raw_message", "exposure_url", "intensity", "area",
        ]

    def get_area(self, alert) -> dict | None:
        """The area as GeoJSON in WGS84 (omitted from lists: ?geometry=1 to include it)."""
        if alert.area is None:
            return None
        geom = GEOSGeometry(alert.area.ewkb)
        geom.transform(4326)

        return json.loads(geom.json)

    def get_intensity(self, alert) -> dict | None:
        """The hazard intensity the damage model uses: {quantity, value, unit, source} (docs/damage-model.md)."""
        from ..services.intensity import intensity_of

        found = intensity_of(alert)
        return found.as_json() if found else None

    def get_exposure_url(self, alert) -> str:
        return f"/api/v1/alerts/{alert.pk}/exposure/"


class AlertListSerializer(AlertSerializer):
    class Meta(AlertSerializer.Meta):
        fields = [f for f in AlertSerializer.Meta.fields if f not in ("area", "description", "details")]


class ExposureRunSerializer(serializers.ModelSerializer):
    network = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    stale = serializers.SerializerMethodField()

    class Meta:
        model = ExposureRun
        fields = ["id", "alert", "network", "network_version", "stale", "status", "computed_at", "duration_ms",
                  "totals", "per_commune", "impact"]

    def get_stale(self, run) -> bool:
        return run.network_version != run.network.version
