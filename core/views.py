from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from django.views.defaults import page_not_found

from .health import health


@never_cache
@require_GET
def healthz(request):
    """GET /healthz (no auth): 200 when every part is ok, 503 naming the failing part otherwise."""
    ok, body = health()
    return JsonResponse(body, status=200 if ok else 503)


API_PREFIXES = ("/api/", "/tmf-api/", "/tiles/")


def not_found(request, exception=None):
    """404: JSON in the API's error shape under the API prefixes, the HTML page elsewhere."""
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"errors": [{"path": "", "reason": f"no such resource: {request.path}"}]}, status=404)

    return page_not_found(request, exception)
