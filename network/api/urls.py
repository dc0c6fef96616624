"""API routes of this app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from rest_framework.routers import SimpleRouter

from .import_views import ImportRunViewSet

router = SimpleRouter()
router.register("imports", ImportRunViewSet, basename="importrun")

ROOT_ENDPOINTS: list[tuple[str, str]] = [("imports", "importrun-list")]

urlpatterns = [*router.urls]
