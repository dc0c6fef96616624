"""Purge of the delivered past (beat, `webhooks.tasks.purge`): the outbox and the delivery log keep
WEBHOOK_PURGE_AFTER_DAYS days (30) of history, then settled events go with their deliveries and
attempts (cascade).

Only events whose every delivery succeeded or was cancelled are purged: a dead-lettered delivery
stays for `redeliver` and investigation, a pending one is still work. The latest event of each
subject is kept whatever its age, since the next event's `sequence` is counted from it.
"""
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..models import Delivery, DeliveryStatus, OutboxEvent


def purge(now=None, batch: int = 5000) -> int:
    """Delete old settled events (and, by cascade, their deliveries and attempts); returns the count."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_PURGE_AFTER_DAYS)
    unsettled = Delivery.objects.filter(event=OuterRef("pk")).exclude(
        status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.CANCELLED])
    later = OutboxEvent.objects.filter(subject=OuterRef("subject"), sequence__gt=OuterRef("sequence"))
    candidates = OutboxEvent.objects.filter(created_at__lt=cutoff, dispatched_at__isnull=False).exclude(Exists(unsettled))
    keep_latest = candidates.exclude(subject="").filter(Exists(later))
    blank_subject = candidates.filter(subject="")
    total = 0
    for queryset in (keep_latest, blank_subject):
        pks = list(queryset.values_list("pk", flat=True)[:batch])
        if pks:
            total += OutboxEvent.objects.filter(pk__in=pks).delete()[1].get("webhooks.OutboxEvent", 0)
    return total
