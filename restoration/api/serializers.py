"""Serializers of crews, damage reports (WGS84 out) and the restoration outlook."""
from rest_framework import serializers

from ..models import Crew, DamageReport


class CrewSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Crew
        fields = ["id", "organisation", "name", "teams", "interventions_per_day", "working_hours_per_day",
                  "travel_minutes", "hours_pole", "hours_span", "hours_chamber", "hours_site", "hours_cable",
                  "hours_enclosure", "active"]


class DamageReportSerializer(serializers.ModelSerializer):
    network = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    commune = serializers.SlugRelatedField(slug_field="insee", read_only=True)
    location = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()
    reported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DamageReport
        fields = ["id", "network", "kind", "location", "commune", "comment", "photo_url", "reported_by",
                  "organisation", "reported_at", "group", "status", "ticket", "dismissed_reason", "triaged_at"]

    def get_location(self, report) -> dict:
        p = report.location.transform(4326, clone=True)
        return {"type": "Point", "coordinates": [round(p.x, 7), round(p.y, 7)]}

    def get_photo_url(self, report) -> str | None:
        return report.photo.url if report.photo else None


def outlook_json(outlook: dict) -> dict:
    """The outlook with its datetimes as ISO 8601 strings (UTC)."""
    from datetime import timezone

    def iso(value):
        return value.astimezone(timezone.utc).isoformat() if hasattr(value, "astimezone") else value

    out = dict(outlook)
    out["at"] = iso(outlook["at"])
    out["totals"] = {k: iso(v) for k, v in outlook["totals"].items()}
    out["curve"] = [{**p, "time": iso(p["time"])} for p in outlook["curve"]]
    out["communes"] = [{**c, "eta_p50": iso(c["eta_p50"]), "eta_p90": iso(c["eta_p90"])} for c in outlook["communes"]]
    return out
