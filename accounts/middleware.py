"""Sessions of users who need a second factor reach nothing but the MFA pages until verified.

Runs after django_otp's OTPMiddleware (request.user.is_verified()). Token-authenticated API
calls are not sessions (the token is its own credential, docs/security.md) and pass unseen.
"""
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .mfa import requires_mfa

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/media/")


class MfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES)
                and requires_mfa(user) and not user.is_verified()):
            if request.path.startswith(("/api/", "/tmf-api/", "/tiles/")):
                return JsonResponse({"errors": [{"path": "", "reason": _(
                    "Second facteur requis : validez votre code sur /accounts/mfa/.")}]}, status=403)
            return redirect(f"/accounts/mfa/?next={request.get_full_path()}")
        return self.get_response(request)
