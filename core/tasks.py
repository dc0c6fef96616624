"""Background tasks of the plumbing itself."""
from datetime import timedelta

from celery import shared_task
from django.db import connection
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="core.tasks.heartbeat")
def heartbeat() -> int:
    """Record that a worker ran and reached PostGIS; keep a day of history. Returns the row id."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        (version,) = cursor.fetchone()
    beat = Heartbeat.objects.create(worker=heartbeat.request.hostname or "local", postgis_version=version)
    Heartbeat.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()
    return beat.pk
