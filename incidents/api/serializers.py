"""Serializers of the native API (/api/v1/): crises, crisis log entries, contacts, on-call periods."""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from network.models import Commune, Network
from organisations.models import Organisation

from organisations.scoping import principal_for

from ..models import Contact, Crisis, CrisisLogEntry, OnCallPeriod

LINKABLE_TYPES = ("RouteSegment", "SupportPoint", "Site", "Enclosure", "Cable", "Premises", "TroubleTicket", "Alert",
                  "Commune")


class ScopedSlugField(serializers.SlugRelatedField):
    """A slug reference limited to the rows the caller may see (set by the view in the context)."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(slug_field="slug", **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.restrict(principal_for(request) if request else None)


class CrisisSerializer(serializers.ModelSerializer):
    networks = ScopedSlugField(Network, many=True, required=False)
    organisations = ScopedSlugField(Organisation, many=True, required=False)
    alert_ids = serializers.ListField(child=serializers.CharField(max_length=64), required=False,
                                      help_text=_("Identifiants des alertes liées."))
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Crisis
        fields = ["id", "name", "level", "networks", "organisations", "opened_at", "closed_at", "is_open",
                  "alert_ids", "significant", "awareness_time", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"name": {"min_length": 1}}

    def validate(self, attrs):
        opened = attrs.get("opened_at", getattr(self.instance, "opened_at", None) or timezone.now())
        closed = attrs.get("closed_at", getattr(self.instance, "closed_at", None))
        if closed and closed < opened:
            raise serializers.ValidationError({"closed_at": _("La fermeture précède l'ouverture.")})
        significant = attrs.get("significant", getattr(self.instance, "significant", False))
        awareness = attrs.get("awareness_time", getattr(self.instance, "awareness_time", None))
        if significant and awareness is None:
            raise serializers.ValidationError({"awareness_time": _("Un incident important NIS2 a une heure de prise de connaissance.")})
        return attrs


class LinkedObjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=LINKABLE_TYPES)
    code = serializers.CharField(min_length=1, max_length=254)


class CrisisLogEntrySerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", read_only=True, default=None)
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    linked_objects = LinkedObjectSerializer(many=True, required=False)
    corrections = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CrisisLogEntry
        fields = ["id", "crisis", "created_at", "author", "organisation", "kind", "text", "linked_objects",
                  "corrects", "corrections"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"text": {"min_length": 1}}

    def validate(self, attrs):
        corrects = attrs.get("corrects")
        if corrects is not None and corrects.crisis_id != attrs["crisis"].pk:
            raise serializers.ValidationError({"corrects": _("L'entrée corrigée appartient à une autre crise.")})
        return attrs


class OnCallPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = OnCallPeriod
        fields = ["id", "contact", "starts_at", "ends_at"]

    def validate(self, attrs):
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends <= starts:
            raise serializers.ValidationError({"ends_at": _("La fin doit suivre le début.")})
        return attrs


class NestedOnCallPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = OnCallPeriod
        fields = ["id", "starts_at", "ends_at"]


class ContactSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    commune = serializers.SlugRelatedField(slug_field="insee", queryset=Commune.objects.all(), required=False,
                                           allow_null=True)
    on_call_periods = NestedOnCallPeriodSerializer(many=True, read_only=True)
    on_call_now = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "organisation", "commune", "name", "role", "phone", "email", "notes", "on_call_periods",
                  "on_call_now", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"name": {"min_length": 1}, "role": {"min_length": 1}}

    def get_on_call_now(self, contact) -> bool:
        now = self.context.get("now") or timezone.now()
        return any(p.starts_at <= now < p.ends_at for p in contact.on_call_periods.all())

    def validate(self, attrs):
        phone = attrs.get("phone", getattr(self.instance, "phone", ""))
        email = attrs.get("email", getattr(self.instance, "email", ""))
        if not phone and not email:
            raise serializers.ValidationError({"phone": _("Un téléphone ou un courriel est nécessaire.")})
        return attrs


class OnCallNowSerializer(serializers.Serializer):
    """Who is on call now for a crisis: one row per contact and current period."""

    organisation = serializers.CharField()
    commune = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    role = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    until = serializers.DateTimeField()
    contact = serializers.IntegerField()
