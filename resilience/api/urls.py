"""API routes of this app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from .alerts import AlertViewSet
from .views import CommuneResilienceView, ImpactView, NetworkSpofView, PremisesTraceView

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")

ROOT_ENDPOINTS: list[tuple[str, str]] = [("alerts", "alert-list"), ("impact", "impact")]

urlpatterns = [
    path("impact/", ImpactView.as_view(), name="impact"),
    path("premises/<str:code>/trace/", PremisesTraceView.as_view(), name="premises-trace"),
    path("networks/<slug:slug>/spof/", NetworkSpofView.as_view(), name="network-spof"),
    path("communes/<str:insee>/resilience/", CommuneResilienceView.as_view(), name="commune-resilience"),
    *router.urls,
]
