"""API routes of the power app under /api/v1/. ROOT_ENDPOINTS: (name, url name) listed at the API root."""
from django.urls import path

from .views import (
    DispatchView, NetworkPowerView, PowerOutageDetailView, PowerOutageEndView, PowerOutageListView, PowerSiteStateView,
    PowerSiteView,
)

ROOT_ENDPOINTS: list[tuple[str, str]] = [("power-outages", "power-outage-list")]

urlpatterns = [
    path("networks/<slug:slug>/power/", NetworkPowerView.as_view(), name="network-power"),
    path("networks/<slug:slug>/power/dispatch/", DispatchView.as_view(), name="network-power-dispatch"),
    path("networks/<slug:slug>/power/sites/<str:code>/", PowerSiteView.as_view(), name="network-power-site"),
    path("networks/<slug:slug>/power/sites/<str:code>/state/", PowerSiteStateView.as_view(), name="network-power-site-state"),
    path("power-outages/", PowerOutageListView.as_view(), name="power-outage-list"),
    path("power-outages/<int:pk>/", PowerOutageDetailView.as_view(), name="power-outage-detail"),
    path("power-outages/<int:pk>/end/", PowerOutageEndView.as_view(), name="power-outage-end"),
]
