"""API rate limit per token (DRF throttling): API_THROTTLE_RATE requests per token (e.g. "600/min"),
answered 429 with Retry-After past it. Session users are counted per user, anonymous callers per
address. The counters live in the Redis cache; with Redis down the limit is not enforced (the
API keeps answering: availability first during a storm, the outage is logged)."""
import logging

from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is not None and getattr(token, "pk", None) is not None:
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - cache (Redis) unreachable: fail open, log
            logger.warning("API throttling skipped: cache unreachable", exc_info=True)
            return True
