from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# (name, url name) of the endpoints listed at the API root; each app adds its own as it lands.
ROOT_ENDPOINTS = [
    ("me", "me"),
    ("organisations", "organisation-list"),
]


class ApiRootView(APIView):
    """The API root: the endpoints this caller can use, plus the OpenAPI schema and docs."""

    def get(self, request, format=None):
        endpoints = {name: reverse(url_name, request=request, format=format) for name, url_name in ROOT_ENDPOINTS}
        endpoints["schema"] = reverse("schema", request=request)
        endpoints["docs"] = reverse("api-docs", request=request)
        return Response(endpoints)
