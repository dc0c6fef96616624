"""What a locked account sees (429, French, with Retry-After) and the audit trail of the lock.

django-axes counts failed logins per username (AXES_LOCKOUT_PARAMETERS) and, past
AXES_FAILURE_LIMIT within AXES_COOLOFF_TIME, refuses every attempt, right password included,
until the cool-off ends.
"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from axes.signals import user_locked_out
from core import audit


def cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """AXES_LOCKOUT_CALLABLE: HTTP 429 with Retry-After, a page for browsers, JSON for the rest."""
    minutes = max(1, cooloff_seconds() // 60)
    message = _("Trop de tentatives de connexion échouées pour ce compte : connexion refusée pendant "
                "%(minutes)d minutes, même avec le bon mot de passe.") % {"minutes": minutes}
    if request.path.startswith(("/api/", "/tmf-api/")) or "json" in request.headers.get("Accept", ""):
        answer = JsonResponse({"errors": [{"path": "username", "reason": message}]}, status=429)
    else:
        answer = render(request, "accounts/locked.html", {"message": message}, status=429)
    answer["Retry-After"] = str(cooloff_seconds())
    return answer


@receiver(user_locked_out)
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """One audit event on the account when it gets locked (action `update`, after: the lock)."""
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is None:
        return
    audit.record(user, "update", after={"locked_out": True, "reason": "too many failed logins",
                                        "ip_address": ip_address or "", "cooloff_seconds": cooloff_seconds()})
