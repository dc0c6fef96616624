from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Delivery, DeliveryAttempt, Subscription, SubscriptionStatus
from ..registry import event_type_names
from ..services.envelope import envelope


class SubscriptionSerializer(serializers.ModelSerializer):
    """A subscription without its secret (the secret is shown once: on creation and on rotation)."""

    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    callback = serializers.CharField(max_length=2000)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=sorted(event_type_names())), required=False)
    status = serializers.ChoiceField(
        choices=[SubscriptionStatus.ACTIVE, SubscriptionStatus.DISABLED], required=False,
        help_text=_("active ou disabled ; « failing » est posé par le système après un envoi abandonné."),
    )
    delivery_counts = serializers.SerializerMethodField()

    class Meta:
        model = Subscription
        fields = [
            "id", "organisation", "source", "callback", "query", "event_types", "description", "status",
            "status_reason", "status_changed_at", "previous_secret_expires_at", "delivery_counts",
            "created_at", "updated_at",
        ]
        read_only_fields = ["source", "status_reason", "status_changed_at", "previous_secret_expires_at"]

    def get_delivery_counts(self, obj) -> dict:
        return {name: getattr(obj, f"n_{name}", None) for name in ("pending", "succeeded", "dead", "cancelled")}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = instance.status  # "failing" too, though a client may not set it
        return data


class SubscriptionCreateSerializer(SubscriptionSerializer):
    organisation = serializers.SlugField(
        required=False, help_text=_("Slug de l'organisation abonnée, si l'appelant en représente plusieurs.")
    )

    class Meta(SubscriptionSerializer.Meta):
        pass


class CreatedSubscriptionSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text=_("whsec_… : affiché une seule fois."))

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class RotatedSecretSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    secret = serializers.CharField()
    previous_secret_expires_at = serializers.DateTimeField()


class EventTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    family = serializers.CharField()
    app = serializers.CharField()
    subject = serializers.CharField()
    emitted = serializers.BooleanField()
    payload = serializers.JSONField(help_text="JSON Schema of the envelope's `event` member")


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "manual", "attempted_at", "duration_ms", "status_code", "error", "response_body",
                  "signatures", "outcome"]


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id", read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "event_id", "event_type", "subject", "sequence", "status", "attempts", "failures",
                  "next_attempt_at", "last_status_code", "last_error", "created_at", "settled_at", "attempt_log"]


class DeliveryDetailSerializer(DeliverySerializer):
    body = serializers.SerializerMethodField(help_text=_("L'enveloppe envoyée (corps JSON signé)."))

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "body"]

    def get_body(self, obj) -> dict:
        return envelope(obj.event)


class HubInputSerializer(serializers.Serializer):
    """TMF621 EventSubscriptionInput."""

    callback = serializers.CharField(max_length=2000)
    query = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class HubSubscriptionSerializer(serializers.Serializer):
    """TMF621 EventSubscription (+ `secret` in the 201 answer only)."""

    id = serializers.CharField()
    callback = serializers.CharField()
    query = serializers.CharField(allow_blank=True)
    secret = serializers.CharField(required=False)
