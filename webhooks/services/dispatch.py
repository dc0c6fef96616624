"""Fan-out (*diffusion*): one Delivery per (event, matching subscription), created once.

Run by the after-commit task or by the sweeper; both may run for the same event, so the fan-out
is idempotent (the event row is locked, `dispatched_at` marks it done and the (event,
subscription) pair is unique).
"""
from django.db import transaction
from django.utils import timezone

from ..models import Delivery, DeliveryStatus, OutboxEvent, Subscription, SubscriptionStatus
from . import broker
from .envelope import envelope
from .subscriptions import subscription_matches


def dispatch_event(event_id, *, enqueue: bool = True) -> list[int]:
    """Create the event's deliveries (once) and enqueue the pending ones. Returns their ids."""
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return []
        if event.dispatched_at is None:
            data = envelope(event)
            candidates = Subscription.objects.filter(organisation_id__in=event.organisation_ids).exclude(
                status=SubscriptionStatus.DISABLED
            )
            now = timezone.now()
            Delivery.objects.bulk_create(
                [
                    Delivery(event=event, subscription=sub, subject=event.subject, sequence=event.sequence,
                             next_attempt_at=now)
                    for sub in candidates
                    if subscription_matches(sub, data)
                ],
                ignore_conflicts=True,
            )
            event.dispatched_at = now
            event.save(update_fields=["dispatched_at"])
        ids = list(Delivery.objects.filter(event=event, status=DeliveryStatus.PENDING).values_list("pk", flat=True))
    if enqueue:
        enqueue_deliveries(ids)
    return ids


def enqueue_deliveries(ids, countdown: float | None = None) -> None:
    """Send delivery tasks to the broker; on a broker outage the sweeper catches up."""
    # imported here: webhooks.tasks imports dispatch: a real cycle
    from ..tasks import deliver

    for pk in ids:
        if not broker.send(deliver, (pk,), countdown=countdown):
            return
