"""The shared cache (Redis), failing open: a page that caches a costly figure must still answer
when Redis is away (issue 20: no 5xx when Redis fails). A miss is recomputed, a failed write is
dropped, both logged once per call."""
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def get(key: str, default=None):
    try:
        return cache.get(key, default)
    except Exception:  # noqa: BLE001 - any cache backend failure is a miss
        logger.warning("cache unreachable: %s recomputed", key, exc_info=True)
        return default


def set(key: str, value, timeout: float | None = None) -> bool:  # noqa: A001 - mirrors django's cache.set
    try:
        cache.set(key, value, timeout)
        return True
    except Exception:  # noqa: BLE001 - any cache backend failure: the value is not kept
        logger.warning("cache unreachable: %s not stored", key, exc_info=True)
        return False
