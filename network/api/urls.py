"""API routes of this app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from ..services.layers import LAYER_NAMES
from .import_views import ImportRunViewSet
from .views import NetworkViewSet, layer_view

router = SimpleRouter()
router.register("networks", NetworkViewSet, basename="network")
router.register("imports", ImportRunViewSet, basename="importrun")

ROOT_ENDPOINTS: list[tuple[str, str]] = [("networks", "network-list")] + [
    (f"network/{layer}", f"network-layer-{layer}") for layer in LAYER_NAMES
] + [("imports", "importrun-list")]

urlpatterns = [
    *router.urls,
    *[path(f"network/{layer}/", layer_view(layer).as_view(), name=f"network-layer-{layer}") for layer in LAYER_NAMES],
]
