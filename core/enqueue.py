"""Handing work to Celery without ever failing the caller: commit first, sweep later.

PostgreSQL is the source of truth (alerts lacking a current exposure run, pending import runs,
outbox events); the broker only makes things fast. `send()` never raises: when Redis is
unreachable it logs, returns False and, for ENQUEUE_BROKER_BACKOFF seconds, does not even try, so
a request enqueuing many tasks does not wait a connect timeout for each. A beat sweeper of each
app picks up what was not enqueued once the broker is back (resilience.tasks.sweep_exposures,
network.tasks.sweep_imports, webhooks.tasks.sweep).

`on_commit()` is the form to use from a write path: the task is sent after the transaction
commits (a worker never sees uncommitted rows) and a broker error there is caught like any other.
"""
import logging
import time

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)
_down_until = 0.0


def send(task, args: tuple = (), countdown: float | None = None) -> bool:
    """Send one task; False (logged) when the broker is unreachable: the app's sweeper catches up."""
    global _down_until
    if time.monotonic() < _down_until:
        logger.info("broker marked down: %s%s left to the sweeper", task.name, args)
        return False
    try:
        task.apply_async(args, countdown=countdown, retry=False)
        return True
    except Exception:  # noqa: BLE001 - any broker failure: the committed rows stay for the sweeper
        _down_until = time.monotonic() + settings.ENQUEUE_BROKER_BACKOFF
        logger.warning("broker unavailable: %s%s not enqueued; the sweeper will take it", task.name, args,
                       exc_info=True)
        return False


def on_commit(task, *args, countdown: float | None = None, using=None) -> None:
    """Send `task(*args)` once the current transaction commits (at once outside one). Never raises."""
    transaction.on_commit(lambda: send(task, args, countdown=countdown), using=using)


def reset() -> None:
    """Forget a broker outage (tests)."""
    global _down_until
    _down_until = 0.0
