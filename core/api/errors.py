"""One error shape for the whole API: {"errors": [{"path": ..., "reason": ...}]}.

The caller learns which field was wrong and why. DRF's nested ValidationError details are
flattened into dotted paths ("relatedEntity.0.id"); non-field errors get the path "" .
"""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def flatten_errors(detail, path: str = "") -> list[dict]:
    """Turn DRF error details (dict / list / str, nested) into [{"path", "reason"}]."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            key = "" if key in ("non_field_errors", "detail") else str(key)
            out.extend(flatten_errors(value, f"{path}.{key}" if path and key else (key or path)))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [{"path": path, "reason": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out.extend(flatten_errors(item, f"{path}.{index}" if path else str(index)))
        return out
    return [{"path": path, "reason": str(detail)}]


def error_response(errors: list[dict], status_code: int = status.HTTP_400_BAD_REQUEST, headers=None) -> Response:
    return Response({"errors": errors}, status=status_code, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
    else:
        errors = [{"path": "", "reason": str(getattr(exc, "detail", exc))}]
    response.data = {"errors": errors}
    return response


def as_tmf_error(response: Response, errors: list[dict]) -> Response:
    """Rewrite an error response into the TMF630/TMF621 Error shape (`code`, `reason`, `message`,
    `status`, `@type`), keeping the house `errors` list beside it so both kinds of client read it.
    Shared by the ticket endpoints (incidents) and the hub (webhooks), which must not import each other."""
    code = response.status_code
    message = "; ".join(f"{e['path']}: {e['reason']}" if e["path"] else str(e["reason"]) for e in errors)
    response.data = {
        "code": str(code),
        "reason": message,
        "message": message,
        "status": str(code),
        "@type": "Error",
        "errors": errors,
    }
    return response


def tmf_exception_handler(exc, context):
    """The house handler, answered in the TMF Error shape (TMF621 hub and ticket endpoints)."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    return as_tmf_error(response, response.data["errors"])
