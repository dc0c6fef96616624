"""Request id: taken from X-Request-ID when a proxy sets one (so ids follow a call across systems),
otherwise generated; returned in the response and carried by every log line of the request."""
import re
import uuid

from datetime import timezone as dt_timezone
from django.utils import timezone

from .request_context import request_id_var

_VALID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class RequestIdMiddleware:
    header = "HTTP_X_REQUEST_ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(self.header, "")
        request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        request.id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ApiUtcMiddleware:
    """The API speaks UTC (ISO 8601 with offset); the web UI speaks Europe/Paris (TIME_ZONE).

    DRF renders datetimes in the current time zone, so API requests activate UTC for their duration.
    """

    prefixes = ("/api/", "/tmf-api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.prefixes):
            return self.get_response(request)

        with timezone.override(dt_timezone.utc):
            return self.get_response(request)
