"""API routes of this app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from rest_framework.routers import SimpleRouter

from .alerts import AlertViewSet

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")

ROOT_ENDPOINTS: list[tuple[str, str]] = [("alerts", "alert-list")]

urlpatterns = [*router.urls]
