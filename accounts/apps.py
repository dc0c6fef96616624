from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Login protection: lockout after repeated failures (django-axes), TOTP second factor with
    recovery codes (django-otp), required for the roles of MFA_REQUIRED_ROLES. docs/security.md."""

    name = "accounts"
    verbose_name = "Comptes et authentification"

    def ready(self):
        from . import lockout  # noqa: F401 - connects the lockout audit receiver
