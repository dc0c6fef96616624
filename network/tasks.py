"""Celery tasks of the network app."""
from celery import shared_task

from .models import ImportRun
from .services.import_runs import execute


@shared_task(name="network.import_gracethd", acks_late=True)
def import_gracethd(run_id: int) -> str:
    """Import the GraceTHD file stored on ImportRun `run_id`; returns its final state."""
    # RUNNING too: a worker lost mid-import redelivers the task (acks_late); the import is all-or-nothing
    run = ImportRun.objects.filter(pk=run_id, state__in=[ImportRun.State.PENDING, ImportRun.State.RUNNING]).first()
    if run is None:
        return "skipped"
    return execute(run).state


@shared_task(name="network.sweep_imports")
def sweep_imports() -> int:
    """Enqueue again the imports still pending after ENQUEUE_SWEEP_GRACE seconds (beat): their
    after-commit task was lost (broker down at upload time). A run re-enqueued is left alone for
    IMPORT_SWEEP_HOLD seconds, the time an import may wait behind others in the queue."""
    from datetime import timedelta

    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone

    from core import enqueue

    grace = timezone.now() - timedelta(seconds=settings.ENQUEUE_SWEEP_GRACE)
    count = 0
    for pk in ImportRun.objects.filter(state=ImportRun.State.PENDING, created_at__lte=grace).values_list("pk", flat=True)[:100]:
        if cache.add(f"import-sweep:{pk}", 1, timeout=settings.IMPORT_SWEEP_HOLD):
            if enqueue.send(import_gracethd, (pk,)):
                count += 1
            else:
                cache.delete(f"import-sweep:{pk}")
    return count
