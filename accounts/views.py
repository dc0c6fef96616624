"""MFA pages: verify a code (TOTP or recovery code), enrol a TOTP device, see recovery codes once."""
import base64

import segno
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from core import audit

from . import mfa


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else "/"


@login_required
def verify(request):
    """/accounts/mfa/: the second step of the login; enrolment first for a user who has no device."""
    if not mfa.has_device(request.user):
        return redirect(f"/accounts/mfa/setup/?next={_next(request)}")
    error = None
    if request.method == "POST":
        device = mfa.verify(request.user, request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        error = _("Code incorrect ou déjà utilisé.")
    return render(request, "accounts/mfa_verify.html", {"error": error, "next": _next(request)},
                  status=400 if error else 200)


@login_required
def setup(request):
    """/accounts/mfa/setup/: scan the QR code (or type the key), confirm with one code."""
    device = mfa.pending_totp(request.user)
    error = None
    if request.method == "POST":
        if device.verify_token((request.POST.get("code") or "").strip().replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = mfa.new_recovery_codes(request.user)
            otp_login(request, device)
            audit.record(request.user, "update", actor=request.user, after={"mfa": "totp enrolled"})
            return render(request, "accounts/mfa_codes.html", {"codes": codes, "next": _next(request)})
        error = _("Code incorrect : vérifiez l'heure de votre téléphone et recommencez.")
    qr = segno.make(device.config_url, error="m")
    svg = base64.b64encode(qr.svg_inline(scale=4).encode()).decode()
    key = base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")
    return render(request, "accounts/mfa_setup.html", {"qr_svg_b64": svg, "key": key, "error": error,
                                                        "next": _next(request)}, status=400 if error else 200)


@login_required
def recovery_codes(request):
    """POST /accounts/mfa/codes/: new recovery codes (the old ones stop working); needs a verified session."""
    if not request.user.is_verified():
        return redirect("/accounts/mfa/?next=/accounts/mfa/codes/")
    if request.method != "POST":
        return render(request, "accounts/mfa_codes.html", {"codes": None, "next": "/"})
    codes = mfa.new_recovery_codes(request.user)
    audit.record(request.user, "update", actor=request.user, after={"mfa": "recovery codes renewed"})
    return render(request, "accounts/mfa_codes.html", {"codes": codes, "next": "/"})
