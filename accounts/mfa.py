"""Second factor policy: who must use one, and the TOTP / recovery-code devices (django-otp).

A user needs a second factor when one of their memberships has a role listed in
MFA_REQUIRED_ROLES (default "admin"); a superuser counts as "admin". Anyone may enrol.
Recovery codes are django-otp static tokens (MFA_RECOVERY_CODES of them, each usable once).
"""
import secrets

from django.conf import settings
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


def requires_mfa(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    required = set(settings.MFA_REQUIRED_ROLES)
    if not required:
        return False
    if user.is_superuser and "admin" in required:
        return True
    return user.memberships.filter(role__in=required).exists()


def has_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled (created on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes; returns them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(settings.MFA_RECOVERY_CODES)]  # 13 chars, 48 bits
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def verify(user, code: str):
    """The confirmed device (TOTP or recovery code) that accepts `code`, or None."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None
