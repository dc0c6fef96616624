import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .membership import Role

TOKEN_PREFIX = "vf_"


def hash_token(key: str) -> str:
    """Tokens are 256-bit random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """An API token (*jeton d'API*) acting for one user in one organisation with one role.

    Only its SHA-256 is stored: the clear key is shown once, at creation. One active token per
    user and purpose (creating another revokes the first); revocable; last use recorded.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="api_tokens")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    purpose = models.CharField(_("usage"), max_length=64, default="api")
    key_prefix = models.CharField(_("début de la clé"), max_length=12, help_text=_("Premiers caractères, pour reconnaître un jeton."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"], condition=Q(revoked_at__isnull=True), name="apitoken_one_active_per_purpose"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user}, {self.purpose})"

    @classmethod
    def issue(cls, user, organisation, role: str, purpose: str = "api") -> tuple["ApiToken", str]:
        """Create a token, revoking the user's active one for the same purpose. Returns (token, clear key)."""
        cls.objects.active().filter(user=user, purpose=purpose).update(revoked_at=timezone.now())
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, organisation=organisation, role=role, purpose=purpose,
            key_prefix=key[: len(TOKEN_PREFIX) + 6], key_hash=hash_token(key),
        )
        return token, key

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
