"""Celery tasks of outbound webhooks: fan-out after commit, one delivery attempt, the sweeper.

Every task is idempotent (the rows in PostgreSQL say what is left to do), so a task run twice,
or lost and replaced by the sweeper, neither loses nor duplicates a delivery.
"""
from celery import shared_task

from .services import broker
from .services.delivery import attempt_delivery
from .services.dispatch import dispatch_event
from .services.sweeper import sweep as run_sweep


@shared_task(name="webhooks.tasks.dispatch", ignore_result=True)
def dispatch(event_id: str) -> None:
    dispatch_event(event_id)


@shared_task(name="webhooks.tasks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> str:
    return attempt_delivery(delivery_id)


@shared_task(name="webhooks.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    return run_sweep()


@shared_task(name="webhooks.tasks.purge", ignore_result=True)
def purge() -> int:
    from .services.purge import purge as run_purge

    return run_purge()


def enqueue_dispatch(event_id) -> None:
    """After-commit hook of `emit()`: hand the event to a worker. Never raises: with Redis down the
    change is committed all the same, and the sweeper dispatches the event later."""
    broker.send(dispatch, (str(event_id),))
