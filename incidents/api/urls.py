"""API routes of this app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from rest_framework.routers import SimpleRouter

from .views import ContactViewSet, CrisisLogEntryViewSet, CrisisViewSet, OnCallPeriodViewSet

router = SimpleRouter()
router.register("crises", CrisisViewSet, basename="crisis")
router.register("crisis-log", CrisisLogEntryViewSet, basename="crisis-log-entry")
router.register("contacts", ContactViewSet, basename="contact")
router.register("on-call-periods", OnCallPeriodViewSet, basename="on-call-period")

ROOT_ENDPOINTS: list[tuple[str, str]] = [
    ("crises", "crisis-list"),
    ("crisis-log", "crisis-log-entry-list"),
    ("contacts", "contact-list"),
    ("on-call-periods", "on-call-period-list"),
]

urlpatterns = [*router.urls]
