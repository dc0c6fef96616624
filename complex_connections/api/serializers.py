"""Serializers of complex connection cases, their notes and attachments."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complex_connections.models import (
    ComplexConnection, ComplexConnectionAttachment, ComplexConnectionNote, ComplexConnectionStatus,
)


class ComplexConnectionNoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None)
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ComplexConnectionNote
        fields = ["id", "text", "author", "organisation", "created_at"]
        read_only_fields = ["id", "author", "organisation", "created_at"]


class ComplexConnectionAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.FileField(source="file", read_only=True)

    class Meta:
        model = ComplexConnectionAttachment
        fields = ["id", "filename", "content_type", "size", "url", "created_at"]


class ComplexConnectionSerializer(serializers.ModelSerializer):
    network = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    premises = serializers.CharField(source="premises.code", read_only=True)
    commune = serializers.CharField(source="premises.commune_id", read_only=True, default=None)
    commune_name = serializers.CharField(source="premises.commune.name", read_only=True, default=None)
    critical_category = serializers.CharField(source="premises.critical_category", read_only=True)
    aid_tier = serializers.SerializerMethodField()
    assigned_organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = ComplexConnection
        fields = [
            "id", "network", "premises", "commune", "commune_name", "critical_category", "status", "allowed_transitions",
            "rules", "findings", "explanation", "inputs", "hard_surface", "cost_breakdown", "estimated_cost", "aid",
            "aid_tier", "remaining_charge", "priority_score", "abandon_reason", "assigned_organisation", "detected_at",
            "last_detection_at", "status_changed_at", "updated_at",
        ]
        read_only_fields = fields

    def get_aid_tier(self, case) -> str | None:
        return case.inputs.get("aid_tier")

    def get_allowed_transitions(self, case) -> list[str]:
        return sorted(ComplexConnection.TRANSITIONS[ComplexConnectionStatus(case.status)])


class ComplexConnectionDetailSerializer(ComplexConnectionSerializer):
    notes = ComplexConnectionNoteSerializer(many=True, read_only=True)
    attachments = ComplexConnectionAttachmentSerializer(many=True, read_only=True)

    class Meta(ComplexConnectionSerializer.Meta):
        fields = ComplexConnectionSerializer.Meta.fields + ["notes", "attachments"]
        read_only_fields = fields


class ComplexConnectionUpdateSerializer(serializers.Serializer):
    """PATCH: who handles the case, and whether the survey found a hard surface."""

    assigned_organisation = serializers.SlugField(required=False, allow_null=True)
    hard_surface = serializers.BooleanField(required=False)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ComplexConnectionStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Obligatoire pour un abandon."))


class TotalsQuerySerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=["network", "commune"], default="network")
