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
