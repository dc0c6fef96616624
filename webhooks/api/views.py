"""Webhook subscriptions: the TMF621 hub and the native API, both thin over services/subscriptions.

Only write roles (crisis_manager, operator_agent, admin) manage subscriptions, and only their own
organisation's; a superuser sees all. Secrets are shown once (creation, rotation), never listed.
"""
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from organisations.models import Organisation
from organisations.permissions import may_write
from organisations.scoping import principal_for

from ..models import Delivery, DeliveryAttempt, DeliveryStatus, Subscription, SubscriptionSource
from ..services import delivery as delivery_service
from ..services import subscriptions as service
from core.api.errors import tmf_exception_handler

from ..registry import catalogue
from .serializers import (
    CreatedSubscriptionSerializer, DeliveryDetailSerializer, DeliverySerializer, EventTypeSerializer,
    HubInputSerializer, HubSubscriptionSerializer, RotatedSecretSerializer, SubscriptionCreateSerializer,
    SubscriptionSerializer,
)

UUID_RE = r"[0-9a-fA-F-]{36}"


def _writable_org_ids(principal) -> set:
    return {org for org in principal.organisation_ids if may_write(principal, org)}


class CanManageWebhooks(permissions.BasePermission):
    message = _("Seuls les rôles gestionnaire de crise, agent opérateur et administrateur gèrent les abonnements.")

    def has_permission(self, request, view):
        principal = principal_for(request)
        return principal is not None and (principal.is_superuser or bool(_writable_org_ids(principal)))


def subscriptions_for(request):
    """The subscriptions the caller may manage: its write-role organisations' only."""
    principal = principal_for(request)
    queryset = Subscription.objects.restrict(principal)
    if not principal.is_superuser:
        queryset = queryset.filter(organisation_id__in=_writable_org_ids(principal))
    return queryset


def organisation_for_create(request, slug: str | None) -> Organisation:
    principal = principal_for(request)
    candidates = Organisation.objects.all()
    if not principal.is_superuser:
        candidates = candidates.filter(pk__in=_writable_org_ids(principal))
    if slug:
        org = candidates.filter(slug=slug).first()
        if org is None:
            raise serializers.ValidationError({"organisation": [_("organisation inconnue ou hors de vos droits")]})
        return org
    orgs = list(candidates[:2])
    if len(orgs) != 1:
        raise serializers.ValidationError(
            {"organisation": [_("précisez l'organisation abonnée (vous en représentez plusieurs)")]}
        )
    return orgs[0]


def _raise_drf(exc: DjangoValidationError):
    raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages})


class SubscriptionViewSet(viewsets.ModelViewSet):
    """Native webhook subscriptions (`/api/v1/webhooks/subscriptions/`): any event type of the catalogue
    (`event-types/`), optional TMF-style `query`. POST answers the `secret` once."""

    permission_classes = [permissions.IsAuthenticated, CanManageWebhooks]
    serializer_class = SubscriptionSerializer
    lookup_value_regex = UUID_RE
    filterset_fields = ["status", "source"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Subscription.objects.none()
        counts = {
            f"n_{state}": Count("deliveries", filter=Q(deliveries__status=state))
            for state in (DeliveryStatus.PENDING, DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD, DeliveryStatus.CANCELLED)
        }
        return subscriptions_for(self.request).select_related("organisation").annotate(**counts).order_by("created_at", "id")

    def get_serializer_class(self):
        return SubscriptionCreateSerializer if self.action == "create" else SubscriptionSerializer

    def get_permissions(self):
        if self.action == "event_types":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=SubscriptionCreateSerializer, responses={201: CreatedSubscriptionSerializer})
    def create(self, request, *args, **kwargs):
        serializer = SubscriptionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org = organisation_for_create(request, data.get("organisation"))
        try:
            sub = service.create_subscription(
                org, data["callback"], query=data.get("query", ""), event_types=data.get("event_types", []),
                description=data.get("description", ""), source=SubscriptionSource.NATIVE, actor=request.user,
            )
        except DjangoValidationError as exc:
            _raise_drf(exc)
        if data.get("status") == "disabled":
            service.set_status(sub, "disabled", str(_("créé désactivé")))
        sub = self.get_queryset().get(pk=sub.pk)
        out = CreatedSubscriptionSerializer(sub, context=self.get_serializer_context()).data
        return Response(out, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        sub = self.get_object()
        serializer = SubscriptionSerializer(sub, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        try:
            service.update_subscription(sub, dict(serializer.validated_data), actor=request.user)
        except DjangoValidationError as exc:
            _raise_drf(exc)
        return Response(SubscriptionSerializer(self.get_queryset().get(pk=sub.pk)).data)

    def perform_destroy(self, instance):
        service.delete_subscription(instance, actor=self.request.user)

    @extend_schema(responses=EventTypeSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="event-types", pagination_class=None)
    def event_types(self, request):
        """The event types a subscription may ask for."""
        return Response(EventTypeSerializer(catalogue(), many=True).data)

    @extend_schema(request=None, responses=RotatedSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret, shown once; the previous one keeps signing (a second signature) for
        WEBHOOK_SECRET_OVERLAP seconds."""
        sub = service.rotate_secret(self.get_object(), actor=request.user)
        return Response(RotatedSecretSerializer(
            {"id": sub.id, "secret": sub.secret, "previous_secret_expires_at": sub.previous_secret_expires_at}
        ).data)


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log of one subscription: every delivery with every attempt (newest first)."""

    permission_classes = [permissions.IsAuthenticated, CanManageWebhooks]
    serializer_class = DeliverySerializer
    filterset_fields = ["status", "subject"]

    def subscription(self):
        if not hasattr(self, "_subscription"):
            self._subscription = get_object_or_404(subscriptions_for(self.request), pk=self.kwargs["subscription_id"])
        return self._subscription

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return (
            Delivery.objects.filter(subscription=self.subscription())
            .select_related("event")
            .prefetch_related(Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("-number")))
        )

    def get_serializer_class(self):
        return DeliveryDetailSerializer if self.action in ("retrieve", "redeliver") else DeliverySerializer

    @extend_schema(request=None, responses={202: DeliveryDetailSerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, subscription_id=None, pk=None):
        """Send this delivery again now, whatever its state; the attempt joins the log."""
        try:
            delivery_service.redeliver(self.get_object())
        except ValueError as exc:
            raise serializers.ValidationError({"": [str(exc)]}) from exc
        return Response(DeliveryDetailSerializer(self.get_queryset().get(pk=pk)).data, status=status.HTTP_202_ACCEPTED)


class TmfErrorsMixin:
    """The hub is part of TMF621: its errors use the TMF Error shape like the ticket endpoints."""

    def get_exception_handler(self):
        return tmf_exception_handler


class HubView(TmfErrorsMixin, APIView):
    """TMF621 `registerListener`: POST {"callback", "query"} → 201 EventSubscription + secret (once)."""

    permission_classes = [permissions.IsAuthenticated, CanManageWebhooks]

    @extend_schema(request=HubInputSerializer, responses={201: HubSubscriptionSerializer}, operation_id="registerListener")
    def post(self, request):
        serializer = HubInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org = organisation_for_create(request, request.data.get("organisation") if isinstance(request.data, dict) else None)
        try:
            sub = service.create_subscription(
                org, serializer.validated_data["callback"], query=serializer.validated_data["query"],
                source=SubscriptionSource.TMF, actor=request.user,
            )
        except DjangoValidationError as exc:
            _raise_drf(exc)
        data = {"id": str(sub.id), "callback": sub.callback, "query": sub.query, "secret": sub.secret}
        location = reverse("tmf-hub-detail", kwargs={"pk": sub.id}, request=request)
        return Response(HubSubscriptionSerializer(data).data, status=status.HTTP_201_CREATED, headers={"Location": location})


class HubDetailView(TmfErrorsMixin, APIView):
    """TMF621 `unregisterListener`: DELETE → 204 (GET shows the listener, without its secret)."""

    permission_classes = [permissions.IsAuthenticated, CanManageWebhooks]

    def get_object(self, pk) -> Subscription:
        try:
            uuid.UUID(str(pk))
        except ValueError:
            raise serializers.ValidationError({"id": ["not a listener id (UUID)"]}) from None
        return get_object_or_404(subscriptions_for(self.request), pk=pk)

    @extend_schema(responses=HubSubscriptionSerializer)
    def get(self, request, pk):
        sub = self.get_object(pk)
        return Response(HubSubscriptionSerializer({"id": str(sub.id), "callback": sub.callback, "query": sub.query}).data)

    @extend_schema(responses={204: None}, operation_id="unregisterListener")
    def delete(self, request, pk):
        service.delete_subscription(self.get_object(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
