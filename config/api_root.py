"""The API root (/api/v1/): URL wiring of the project, so it lives in `config`, above every app."""
from importlib import import_module

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# Each app's api/urls.py lists its own endpoints in ROOT_ENDPOINTS: (name, url name).
API_URL_MODULES = ["organisations.api.urls", "network.api.urls", "resilience.api.urls", "incidents.api.urls",
                   "complex_connections.api.urls", "webhooks.api.urls", "power.api.urls", "reporting.api.urls",
                   "restoration.api.urls"]


def root_endpoints() -> list[tuple[str, str]]:
    return [entry for module in API_URL_MODULES for entry in import_module(module).ROOT_ENDPOINTS]


class ApiRootView(APIView):
    """The API root: the endpoints of /api/v1/, plus the OpenAPI schema and docs."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, format=None):
        endpoints = {name: reverse(url_name, request=request, format=format) for name, url_name in root_endpoints()}
        endpoints["schema"] = reverse("schema", request=request)
        endpoints["docs"] = reverse("api-docs", request=request)
        return Response(endpoints)
