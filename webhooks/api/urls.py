"""API routes of this app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import DeliveryViewSet, SubscriptionViewSet

router = SimpleRouter()
router.register("webhooks/subscriptions", SubscriptionViewSet, basename="webhook-subscription")

ROOT_ENDPOINTS: list[tuple[str, str]] = [("webhooks", "webhook-subscription-list")]

_deliveries = "webhooks/subscriptions/<uuid:subscription_id>/deliveries/"
urlpatterns = [
    *router.urls,
    path(_deliveries, DeliveryViewSet.as_view({"get": "list"}), name="webhook-delivery-list"),
    path(f"{_deliveries}<int:pk>/", DeliveryViewSet.as_view({"get": "retrieve"}), name="webhook-delivery-detail"),
    path(f"{_deliveries}<int:pk>/redeliver/", DeliveryViewSet.as_view({"post": "redeliver"}),
         name="webhook-delivery-redeliver"),
]
