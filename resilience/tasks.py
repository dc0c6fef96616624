"""Celery tasks of the alert side of resilience: exposure, feed polling, expiry."""
import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.db import transaction
from django.utils import timezone
from .models import Alert, Lifecycle
from .services.feeds import poll_due_feeds, poll_feed as poll
from .services.ingest.common import end_alert

from core import enqueue

logger = logging.getLogger(__name__)


@worker_process_init.connect
def _start_graph_warmer(**_kwargs):
    """Each worker process keeps the graphs of networks under an active alert warm (graph_warm.py)."""
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from .services.graph_warm import start_warmer

    start_warmer()


@shared_task(acks_late=True)
def compute_alert_exposure(alert_id: int) -> list[int]:
    """(Re)compute the exposure of every concerned network to one alert (after create/update/cancel)."""
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from .services.exposure import refresh_alert

    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return []
    return [run.pk for run in refresh_alert(alert)]


@shared_task
def refresh_stale_exposures() -> int:
    """Recompute runs whose network version changed since (beat)."""
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from .services.exposure import run_exposure, stale_runs

    count = 0
    for run in stale_runs():
        run_exposure(run.alert, run.network)
        count += 1
    return count


@shared_task
def expire_alerts() -> int:
    """End active alerts past their expiry (beat, every minute): lifecycle `expired`, alert.cancelled."""
    ended = []
    with transaction.atomic():
        for alert in Alert.objects.select_for_update(skip_locked=True).filter(
                lifecycle=Lifecycle.ACTIVE, expires__lte=timezone.now()):
            end_alert(alert, Lifecycle.EXPIRED)
            ended.append(alert.pk)
        transaction.on_commit(lambda: [enqueue.send(compute_alert_exposure, (pk,)) for pk in ended])
    return len(ended)


@shared_task
def sweep_exposures() -> dict:
    """Recompute the exposure the broker lost (beat): services/exposure_sweep.py."""
    from .services.exposure_sweep import sweep

    return sweep()


@shared_task
def poll_feeds() -> dict:
    """Poll every feed of settings.ALERT_FEEDS that is due (beat)."""
    return poll_due_feeds()


@shared_task
def poll_feed(name: str) -> str:
    return poll(name)


@shared_task
def warm_graph(network_id: int) -> dict:
    """Build (or find) the service graph of a network's current version in this worker process, so
    the next exposure or impact does not pay the build (~10 s at 300 k premises). For an import or a
    generation to end warm, call `warm_graph.delay(network.pk)` after it (the per-process warmer of
    services/graph_warm.py catches the others within a minute)."""
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from .services.graph_warm import warm

    return warm(network_id)


@shared_task
def warm_graphs() -> list[dict]:
    """Warm the graphs of the networks with an active alert's exposure (one process)."""
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from .services.graph_warm import networks_to_warm, warm

    return [warm(pk) for pk in networks_to_warm()]


@shared_task
def load_vigicrues_reaches() -> dict:
    """Refresh the Vigicrues reaches from settings.VIGICRUES_REACH_FEED_URL (beat, daily, when set)."""
    from .services.reaches import load_reaches

    return load_reaches()


@shared_task(acks_late=True)
def build_service_graph(network_id: int) -> dict:
    """Build and store the service graph of a network's current version, unless already stored
    (asked by a web request that found none, and by the worker's warmer after a version change)."""
    from network.models import Network

    from .services.graph import graph_cache, store

    network = Network.objects.filter(pk=network_id).first()
    if network is None:
        return {"network": network_id, "missing": True}
    if store.is_stored(network.pk, network.version):
        return {"network": network_id, "version": network.version, "stored": True}
    result = store.build_and_store(network)
    graph = result.pop("graph")
    graph_cache.put(graph)
    return result
