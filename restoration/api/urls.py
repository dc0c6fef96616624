"""API routes of this app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CrewViewSet, DamageReportViewSet, RestorationView

router = SimpleRouter()
router.register("damage-reports", DamageReportViewSet, basename="damage-report")
router.register("crews", CrewViewSet, basename="crew")

ROOT_ENDPOINTS: list[tuple[str, str]] = [("damage-reports", "damage-report-list"), ("crews", "crew-list")]

urlpatterns = [
    path("crises/<int:pk>/restoration/", RestorationView.as_view(), name="crisis-restoration"),
    *router.urls,
]
