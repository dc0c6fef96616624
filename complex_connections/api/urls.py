"""API routes of this app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from django.urls import re_path
from rest_framework.routers import SimpleRouter

from .views import ComplexConnectionViewSet

router = SimpleRouter()
router.register("complex-connections", ComplexConnectionViewSet, basename="complex-connection")

ROOT_ENDPOINTS: list[tuple[str, str]] = [("complex-connections", "complex-connection-list")]

urlpatterns = [
    # /complex-connections/export.csv without the router's trailing slash
    re_path(r"^complex-connections/export\.csv/?$", ComplexConnectionViewSet.as_view({"get": "export_csv"}),
            name="complex-connection-export"),
    *router.urls,
]
