"""The exposure sweeper: what the broker lost is computed all the same (commit first, sweep later).

An alert is stored by its request (or feed poll) and its exposure is handed to Celery after the
commit; with Redis down that hand-over fails (core/enqueue.py logs it and the request answers 2xx).
Every EXPOSURE_SWEEP_SECONDS beat runs `sweep()`: an active alert older than ENQUEUE_SWEEP_GRACE
with no *current* exposure run for a network its area touches gets `compute_alert_exposure` again,
and so does one whose current run lost its impact or its asset list (a worker killed between
run_exposure's transactions: the run committed, its impact or its `ExposedAsset` copy did not), and current runs of alerts that
have ended are retired. A re-enqueued alert is not enqueued again for EXPOSURE_SWEEP_HOLD seconds
(a département-wide exposure takes a while), through a cache key.
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core import enqueue

from ..models import Alert, ExposedAsset, ExposureRun, ExposureStatus, Lifecycle
from .exposure import exposed_count, impact_ready, networks_exposed_to

logger = logging.getLogger(__name__)


def alerts_missing_exposure(now=None, limit: int = 200) -> list[Alert]:
    """Active alerts with an area, past the grace delay, lacking a current run for a touched network."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.ENQUEUE_SWEEP_GRACE)
    missing = []
    candidates = (Alert.objects.filter(lifecycle=Lifecycle.ACTIVE, area__isnull=False, updated_at__lte=grace)
                  .select_related("network").order_by("updated_at")[:limit])
    for alert in candidates:
        current = ExposureRun.objects.filter(alert=alert, status=ExposureStatus.CURRENT)
        covered = set(current.values_list("network_id", flat=True))
        if any(network.pk not in covered for network in networks_exposed_to(alert)):
            missing.append(alert)
        elif any(not impact_ready(impact) or (exposed_count(totals) and not ExposedAsset.objects.filter(run_id=pk).exists())
                 for pk, totals, impact in current.filter(computed_at__lte=grace).values_list("pk", "totals", "impact")):
            missing.append(alert)
    return missing


def sweep(now=None) -> dict:
    from ..tasks import compute_alert_exposure

    from .exposure import retire_runs

    retired = retire_runs(ExposureRun.objects.filter(status=ExposureStatus.CURRENT).exclude(
        alert__lifecycle=Lifecycle.ACTIVE))
    enqueued = 0
    for alert in alerts_missing_exposure(now):
        if not cache.add(f"exposure-sweep:{alert.pk}", 1, timeout=settings.EXPOSURE_SWEEP_HOLD):
            continue
        if enqueue.send(compute_alert_exposure, (alert.pk,)):
            enqueued += 1
        else:
            cache.delete(f"exposure-sweep:{alert.pk}")
    if enqueued or retired:
        logger.info("exposure sweep: %d alert(s) re-enqueued, %d run(s) of ended alerts retired", enqueued, retired)
    return {"enqueued": enqueued, "retired": retired}
