from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .api_root import ApiRootView
from core.views import healthz

api_v1 = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("organisations.api.urls")),
    path("", include("network.api.urls")),
    path("", include("resilience.api.urls")),
    path("", include("restoration.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("complex_connections.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("reporting.api.urls")),
    path("", include("power.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("tiles/", include("resilience.tiles_urls")),
    path("tiles/", include("network.tiles_urls")),
    path("tmf-api/troubleTicket/v4/", include("incidents.tmf_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves Swagger UI's start-up script as a file: no inline script (CSP)
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("power.urls")),
    path("", include("frontend.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "core.views.not_found"
