"""No web request builds a service graph (*pas de calcul du graphe pendant une requête*).

`ServiceGraphRequestMiddleware` marks the request as a web request (a context variable read by
`get_service_graph`, resilience/services/graph/cache.py): any call site, whatever it passes, gets
the stored graph or `GraphNotReady` (a worker is asked to build it), never a 6 s build in the
request. That exception, from any view, becomes a 503 with Retry-After: the API's error shape for
/api/ paths, a short "graphe en cours de calcul" page otherwise. SERVICE_GRAPH_BUILD_IN_REQUEST=1
(tests, a one-process demo) lets requests build as before.
"""
from __future__ import annotations

from django.http import JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .services.graph.cache import RETRY_AFTER_S, GraphNotReady, in_web_request


class ServiceGraphRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = in_web_request.set(True)
        try:
            return self.get_response(request)
        finally:
            in_web_request.reset(token)

    def process_exception(self, request, exception):
        if not isinstance(exception, GraphNotReady):
            return None
        reason = _("Le graphe de desserte de cette version du réseau est en cours de calcul ; réessayez.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"errors": [{"path": "", "reason": reason}]}, status=503)
        else:
            from django.http import HttpResponse

            response = HttpResponse(render_to_string("resilience/graph_not_ready.html", {"reason": reason,
                                                     "retry_after": RETRY_AFTER_S}, request=request), status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
