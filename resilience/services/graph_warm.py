"""Keeping service graphs warm in worker processes (*préchauffage du graphe*).

A graph is built once per network version and process (graph.py): ~10 s at 300 k premises, the
bulk of a cold exposure. Each Celery prefork child has its own cache, so one task cannot warm them
all: every worker process starts a small daemon thread (`start_warmer`, on `worker_process_init`)
that warms, at start and then every `EXPOSURE_GRAPH_WARM_SECONDS` (default 60 s, 0 = off), the
graphs of the networks concerned by an active alert (a current exposure run) whose version moved
(an import, a generation, an edit). Building the graph in a thread while the exposure SQL runs
was measured and dropped: both are Python-heavy (GIL), 9.1 s overlapped against 7.9 s in a row.

The same loop keeps the shared store (graph/store.py) current: a network whose current version has
no stored graph (after an import, a generation, an edit) is built and stored by one worker process
(a Redis lock per network version), so web processes and other hosts load it instead of building.
"""
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import F
from network.models import Network
from ..models import ExposureRun, ExposureStatus, Lifecycle

logger = logging.getLogger(__name__)


def networks_to_warm() -> list[int]:
    """Networks with a current exposure run of an active alert, then those whose current version
    is in the shared store (loading a stored graph maps it: cheap), up to what a process keeps:
    the first alert after a quiet spell then finds its graph and the expected impact's plain
    tables ready in every worker process (they were 2-4 s of its first exposure)."""
    from .graph import graph_cache

    from ..models import StoredServiceGraph

    active = sorted(set(ExposureRun.objects.filter(status=ExposureStatus.CURRENT, alert__lifecycle=Lifecycle.ACTIVE)
                        .values_list("network_id", flat=True)))
    stored = StoredServiceGraph.objects.filter(network__version=F("version")).exclude(network_id__in=active)
    return (active + list(stored.order_by("-network__updated_at").values_list("network_id", flat=True)))[:graph_cache.max_networks]


def networks_to_store() -> list[int]:
    """Networks whose current version has no stored service graph."""
    from django.db.models import Exists, OuterRef

    from network.models import Network

    from ..models import StoredServiceGraph

    stored = StoredServiceGraph.objects.filter(network=OuterRef("pk"), version=OuterRef("version"))
    return sorted(Network.objects.exclude(Exists(stored)).values_list("pk", flat=True))


def store_missing() -> list[dict]:
    """Build and store the graphs missing from the store, one process per network version."""
    from django.core.cache import cache

    from network.models import Network

    from .graph import graph_cache, store

    done = []
    for pk in networks_to_store():
        network = Network.objects.filter(pk=pk).first()
        if network is None or not cache.add(f"graph-building:{pk}:{network.version}", 1, 600):
            continue
        result = store.build_and_store(network)
        graph_cache.put(result.pop("graph"))
        done.append(result)
    return done


def warm(network_id: int) -> dict:
    """Get the graph of the network's current version in this process; say whether it was built."""
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from .graph import get_service_graph, graph_cache

    network = Network.objects.filter(pk=network_id).first()
    if network is None:
        return {"network": network_id, "built": False, "missing": True}
    from .expected_impact import prepare

    before = graph_cache.builds
    started = time.monotonic()
    graph = get_service_graph(network)
    prepare(graph)
    return {"network": network_id, "version": graph.version, "built": graph_cache.builds > before,
            "seconds": round(time.monotonic() - started, 2)}


def _loop(period: float) -> None:
    while True:
        try:
            close_old_connections()
            if getattr(settings, "SERVICE_GRAPH_STORE_IN_WARMER", True):
                for result in store_missing():
                    logger.info("service graph stored", extra=result)
            for pk in networks_to_warm():
                result = warm(pk)
                if result.get("built"):
                    logger.info("service graph warmed", extra=result)
        except Exception:  # a warmer must never take the worker down; the next tick retries
            logger.exception("graph warmer failed")
        finally:
            connection.close()
        if period <= 0:
            return
        time.sleep(period)


def start_warmer() -> threading.Thread | None:
    period = float(getattr(settings, "EXPOSURE_GRAPH_WARM_SECONDS", 60))
    if period <= 0:
        return None
    thread = threading.Thread(target=_loop, args=(period,), name="graph-warmer", daemon=True)
    thread.start()
    return thread
