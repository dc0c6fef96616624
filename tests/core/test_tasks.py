"""A Celery task round trip through the real Redis broker and a real worker, writing to PostGIS."""
import pytest

from core.models import Heartbeat
from core.tasks import heartbeat

pytestmark = pytest.mark.integration


def test_heartbeat_task_round_trip_writes_to_postgis(celery_worker):
    assert not Heartbeat.objects.exists()
    row_id = heartbeat.delay().get(timeout=20)
    beat = Heartbeat.objects.get(pk=row_id)
    assert beat.postgis_version[0].isdigit()
    assert beat.worker  # the worker's host name, set by Celery
