"""Input validation of the TMF621 TroubleTicket payloads (create and JSON merge patch).

TMF attribute names are kept as they are (`ticketType`, `@referredType`); the output side is
`incidents.services.representation`.
"""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import DamagedAsset, TicketSeverity, TicketStatus, TicketType


class CaseInsensitiveChoiceField(serializers.ChoiceField):
    """TMF examples write « Critical »; the canonical value is the lower-camel one listed in the choices."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            for choice in self.choices:
                if str(choice).lower() == data.lower():
                    return choice
        self.fail("invalid_choice", input=data)


# Severity words of other tools mapped onto the project's three (any case); documented in docs/incidents.md.
SEVERITY_SYNONYMS = {
    "high": TicketSeverity.CRITICAL, "urgent": TicketSeverity.CRITICAL, "blocker": TicketSeverity.CRITICAL,
    "medium": TicketSeverity.MAJOR, "moderate": TicketSeverity.MAJOR, "normal": TicketSeverity.MAJOR,
    "low": TicketSeverity.MINOR, "trivial": TicketSeverity.MINOR,
}


class SeverityField(CaseInsensitiveChoiceField):
    """critical/major/minor (any case), or High/Medium/Low and their usual synonyms."""

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().lower() in SEVERITY_SYNONYMS:
            return SEVERITY_SYNONYMS[data.strip().lower()].value
        return super().to_internal_value(data.strip() if isinstance(data, str) else data)


class TicketTypeField(serializers.CharField):
    """Any ticketType string is accepted (TMF621 leaves it free); the known ones (incident,
    collectiveOutage, request, any case) are normalised and keep their behaviour."""

    def __init__(self, **kwargs):
        super().__init__(min_length=1, max_length=30, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        for choice in TicketType.values:
            if choice.lower() == value.lower():
                return choice
        return value


class RelatedEntityInput(serializers.Serializer):
    """A damaged asset: {"id": GraceTHD code, "@referredType": ..., "role": "damaged"}."""

    def get_fields(self):
        return {
            "id": serializers.CharField(min_length=1, max_length=254),
            "@referredType": serializers.ChoiceField(choices=DamagedAsset.ReferredType.values),
            "role": serializers.ChoiceField(choices=["damaged"]),
            "name": serializers.CharField(required=False, allow_blank=True),
            "href": serializers.CharField(required=False, allow_blank=True),
            "@type": serializers.CharField(required=False, allow_blank=True),
        }


class NoteInput(serializers.Serializer):
    id = serializers.CharField(required=False)
    text = serializers.CharField(min_length=1)
    author = serializers.CharField(required=False, max_length=200)
    date = serializers.DateTimeField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["@type"] = serializers.CharField(required=False)
        return fields


def _common_fields(partial: bool) -> dict:
    optional = {"required": False}
    return {
        "name": serializers.CharField(max_length=200, allow_blank=True, allow_null=True, **optional),
        "description": serializers.CharField(min_length=1, **({"required": False} if partial else {})),
        "severity": SeverityField(choices=TicketSeverity.values, **({"required": False} if partial else {})),
        "ticketType": TicketTypeField(**({"required": False} if partial else {})),
        "priority": serializers.CharField(max_length=30, allow_blank=True, allow_null=True, **optional),
        "expectedResolutionDate": serializers.DateTimeField(allow_null=True, **optional),
        "requestedResolutionDate": serializers.DateTimeField(allow_null=True, **optional),
        "externalId": serializers.CharField(max_length=200, allow_blank=True, allow_null=True, **optional),
        "relatedEntity": serializers.ListField(child=RelatedEntityInput(), allow_null=partial, **optional),
        "note": serializers.ListField(child=NoteInput(), **optional),
    }


class TroubleTicketCreateInput(serializers.Serializer):
    """TroubleTicket_Create: `description`, `severity`, `ticketType` required (TMF621 v4). Server-set
    attributes (id, href, creationDate, status, relatedParty...) are ignored; a status other than
    « acknowledged » is refused."""

    def get_fields(self):
        fields = _common_fields(partial=False)
        fields["network"] = serializers.SlugField(required=False)
        fields["status"] = serializers.ChoiceField(choices=TicketStatus.values, required=False)
        return fields

    def validate(self, attrs):
        if attrs.get("status", TicketStatus.ACKNOWLEDGED) != TicketStatus.ACKNOWLEDGED:
            raise serializers.ValidationError({"status": [_("un nouveau ticket est « acknowledged »")]})
        return attrs


# Attributes the server sets: a merge patch naming them is refused.
READ_ONLY = frozenset({
    "id", "href", "@type", "@baseType", "@schemaLocation", "creationDate", "lastUpdate", "statusChange",
    "statusChangeDate", "network", "relatedParty", "impact", "impactedPremises", "sla", "attachment",
})


class TroubleTicketPatchInput(serializers.Serializer):
    """TroubleTicket_Update as a JSON merge patch: only the attributes given change; null clears an
    optional attribute; `note` entries without an id are appended; `relatedEntity` replaces the list."""

    def get_fields(self):
        fields = _common_fields(partial=True)
        fields["status"] = serializers.ChoiceField(choices=TicketStatus.values, required=False)
        fields["statusChangeReason"] = serializers.CharField(required=False, allow_blank=True)
        fields["resolutionDate"] = serializers.DateTimeField(required=False)
        return fields

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for name in sorted(set(data) & READ_ONLY):
                errors[name] = [_("attribut en lecture seule, fixé par le serveur")]
            for name in sorted(set(data) - set(self.fields) - READ_ONLY):
                errors[name] = [_("attribut inconnu")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class TroubleTicketDocument(serializers.Serializer):
    """The TMF621 TroubleTicket as returned (OpenAPI only; built by services.representation). With
    `?fields=` only id, href and @type are always present."""

    def get_fields(self):
        optional = {"required": False}
        return {
            "id": serializers.CharField(), "href": serializers.CharField(), "@type": serializers.CharField(),
            "name": serializers.CharField(**optional), "description": serializers.CharField(**optional),
            "severity": serializers.ChoiceField(choices=TicketSeverity.values, **optional),
            "ticketType": serializers.CharField(**optional),
            "priority": serializers.CharField(**optional),
            "status": serializers.ChoiceField(choices=TicketStatus.values, **optional),
            "statusChangeDate": serializers.DateTimeField(**optional),
            "statusChangeReason": serializers.CharField(**optional),
            "creationDate": serializers.DateTimeField(**optional),
            "lastUpdate": serializers.DateTimeField(**optional),
            "expectedResolutionDate": serializers.DateTimeField(**optional),
            "requestedResolutionDate": serializers.DateTimeField(**optional),
            "resolutionDate": serializers.DateTimeField(**optional),
            "externalId": serializers.CharField(**optional),
            "relatedEntity": serializers.ListField(child=serializers.DictField(), **optional),
            "relatedParty": serializers.ListField(child=serializers.DictField(), **optional),
            "note": serializers.ListField(child=serializers.DictField(), **optional),
            "attachment": serializers.ListField(child=serializers.DictField(), **optional),
            "statusChange": serializers.ListField(child=serializers.DictField(), **optional),
            "network": serializers.CharField(help_text="extension: network slug", **optional),
            "impact": serializers.DictField(allow_null=True, help_text="extension: premises/critical sites cut", **optional),
            "impactedPremises": serializers.ListField(child=serializers.JSONField(),
                                                      help_text="extension: collectiveOutage only", **optional),
            "sla": serializers.DictField(help_text="extension: GTR timers", **optional),
        }


class TmfErrorDocument(serializers.Serializer):
    """TMF Error, plus the house `errors` list."""

    code = serializers.CharField()
    reason = serializers.CharField()
    message = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    errors = serializers.ListField(child=serializers.DictField())

    def get_fields(self):
        fields = super().get_fields()
        fields["@type"] = serializers.CharField(required=False)
        return fields


class AttachmentDocument(serializers.Serializer):
    def get_fields(self):
        optional = {"required": False}
        return {
            "id": serializers.CharField(), "href": serializers.CharField(), "url": serializers.CharField(**optional),
            "name": serializers.CharField(**optional), "attachmentType": serializers.CharField(**optional),
            "mimeType": serializers.CharField(**optional), "size": serializers.DictField(**optional),
            "description": serializers.CharField(**optional), "@referredType": serializers.CharField(**optional),
        }
