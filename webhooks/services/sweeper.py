"""The sweeper (*balayeur*), run by Celery beat every WEBHOOK_SWEEP_INTERVAL seconds.

Whatever the after-commit path missed (worker crash, Redis down at commit time, a lost task) is
still in PostgreSQL: events not fanned out yet, and pending deliveries that are due (first
attempts, retries, leases of dead workers). The sweeper fans out the former and enqueues the
latter, skipping deliveries that wait for an earlier one of their subject (they are enqueued
when it settles).
"""
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import Delivery, DeliveryStatus, OutboxEvent
from .delivery import earlier_pending_q
from .dispatch import dispatch_event, enqueue_deliveries


def sweep(now=None) -> dict:
    now = now or timezone.now()
    batch = settings.WEBHOOK_SWEEP_BATCH
    grace = timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE)
    events = list(
        OutboxEvent.objects.filter(dispatched_at__isnull=True, created_at__lte=now - grace)
        .order_by("created_at").values_list("pk", flat=True)[:batch]
    )
    for event_id in events:
        dispatch_event(event_id, enqueue=False)
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()))
        .exclude(earlier_pending_q())
        .order_by("next_attempt_at").values_list("pk", flat=True)[:batch]
    )
    enqueue_deliveries(due)
    return {"dispatched": len(events), "enqueued": len(due)}
