"""Handing tasks to Celery without ever failing the caller.

PostgreSQL is the source of truth (outbox events, pending deliveries); the broker only makes things
fast. When Redis is down, `send()` logs, returns False and, for WEBHOOK_BROKER_BACKOFF seconds,
does not even try (so a request emitting many events does not wait a connect timeout for each);
the sweeper sends everything once Redis is back.
"""
import logging
import time

from django.conf import settings

logger = logging.getLogger(__name__)
_down_until = 0.0


def send(task, args: tuple, countdown: float | None = None) -> bool:
    global _down_until
    if time.monotonic() < _down_until:
        return False
    try:
        task.apply_async(args, countdown=countdown, retry=False)
        return True
    except Exception:  # noqa: BLE001 - any broker failure: the rows stay for the sweeper
        _down_until = time.monotonic() + settings.WEBHOOK_BROKER_BACKOFF
        logger.warning("broker unavailable: %s%s not enqueued; the webhook sweeper will take it", task.name, args)
        return False
