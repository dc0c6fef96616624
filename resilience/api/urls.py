"""API routes of this app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from rest_framework.routers import SimpleRouter

router = SimpleRouter()

ROOT_ENDPOINTS: list[tuple[str, str]] = []

urlpatterns = [*router.urls]
