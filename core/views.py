from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health


@never_cache
@require_GET
def healthz(request):
    """GET /healthz (no auth): 200 when every part is ok, 503 naming the failing part otherwise."""
    ok, body = health()
    return JsonResponse(body, status=200 if ok else 503)
