"""`Authorization: Token <key>` authentication against hashed, revocable API tokens."""
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from rest_framework import authentication, exceptions  # messages in English: read by integrators

from .models import ApiToken, Membership
from .models.token import hash_token

LAST_USED_RESOLUTION = timedelta(minutes=1)  # avoid a write on every request


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected 'Token <key>'.")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header: the key is not text.")
        return self.authenticate_key(key)

    def authenticate_key(self, key: str):
        member = Membership.objects.filter(user=OuterRef("user"), organisation=OuterRef("organisation"))
        token = (
            ApiToken.objects.select_related("user", "organisation")
            .filter(key_hash=hash_token(key))
            .annotate(is_member=Exists(member))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This user is disabled.")
        if not token.is_member and not token.user.is_superuser:
            raise exceptions.AuthenticationFailed("This user no longer belongs to the token's organisation.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
