"""The per-process cache of service graphs (*cache du graphe de desserte*), one per network, keyed
by (network id, Network.version).

On a miss the graph is first looked up in the shared store (store.py: the host's file copy, else
PostgreSQL), then built, unless the caller says not to build: a web request (`build=False`, see
SERVICE_GRAPH_BUILD_IN_REQUEST) gets `GraphNotReady` instead, after asking a worker to build it
(task `resilience.tasks.build_service_graph`, asked once per version and minute)."""
from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections import OrderedDict

from django.conf import settings

from core.gc_pause import no_gc
from network.models import Network

from . import store
from .rows import load_rows
from .service_graph import ServiceGraph

logger = logging.getLogger(__name__)
RETRY_AFTER_S = 5  # what a request that found no graph tells its client
# True while a web request runs (resilience.middleware.ServiceGraphRequestMiddleware): then no
# call site builds a graph, whatever `build` it passes, unless SERVICE_GRAPH_BUILD_IN_REQUEST
in_web_request: contextvars.ContextVar[bool] = contextvars.ContextVar("in_web_request", default=False)


def may_build(build: bool) -> bool:
    if not build or not in_web_request.get():
        return build
    return bool(getattr(settings, "SERVICE_GRAPH_BUILD_IN_REQUEST", False))


class GraphNotReady(Exception):
    """The graph of this network version is neither in this process nor in the store, and the
    caller may not build it (a web request): a worker has been asked to."""

    def __init__(self, network_id: int, version: int):
        self.network_id, self.version = network_id, version
        super().__init__(f"service graph of network {network_id} v{version} not built yet")


def request_build(network_id: int, version: int) -> None:
    """Ask a worker to build and store the graph (once per version and minute across processes)."""
    from django.core.cache import cache

    try:
        if cache.add(f"graph-build-requested:{network_id}:{version}", 1, 60):
            from resilience.tasks import build_service_graph

            build_service_graph.delay(network_id)
    except Exception:  # broker or Redis down: the worker's warmer picks the network up anyway
        logger.warning("could not ask for a service graph build", exc_info=True)


# -- cache --------------------------------------------------------------------------------------
class GraphCache:
    """Service graphs kept in this process, one per network, keyed by (network id, version)."""

    def __init__(self, max_networks: int = 8):
        self.max_networks = max_networks
        self._graphs: OrderedDict[int, ServiceGraph] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[int, threading.Lock] = {}
        self.builds = 0  # how many graphs this process built (tests and metrics read it)
        self.loads = 0  # how many it loaded from the store

    def get(self, network: Network, build: bool = True) -> ServiceGraph:
        build = may_build(build)
        version = Network.objects.filter(pk=network.pk).values_list("version", flat=True).get()
        with self._lock:
            graph = self._graphs.get(network.pk)
            if graph is not None and graph.version == version:
                self._graphs.move_to_end(network.pk)
                return graph
            building = self._building.setdefault(network.pk, threading.Lock())
        with building:  # one build per network at a time; other networks are not held up
            with self._lock:
                graph = self._graphs.get(network.pk)
                if graph is not None and graph.version == version:
                    return graph
            graph = store.load(network.pk, version)
            if graph is not None:
                self.loads += 1
            elif not build:
                request_build(network.pk, version)
                raise GraphNotReady(network.pk, version)
            else:
                started = time.monotonic()
                rows = load_rows(network)
                with no_gc():
                    graph = ServiceGraph(rows)
                self.builds += 1
                try:
                    store.save(graph, time.monotonic() - started)
                    # the mapped copy from now on: the built lists and dicts are freed, this
                    # process holds what every other one holds (shared pages)
                    graph = store.load(network.pk, version) or graph
                except Exception:  # a store failure must not fail the impact asked for
                    logger.warning("could not store the service graph", exc_info=True)
            with self._lock:
                current = self._graphs.get(network.pk)
                if current is None or current.version <= graph.version:
                    self._graphs[network.pk] = graph
                    self._graphs.move_to_end(network.pk)
                while len(self._graphs) > self.max_networks:
                    self._graphs.popitem(last=False)
            return graph

    def put(self, graph: ServiceGraph) -> None:
        """Keep a graph built elsewhere in this process (the worker's build task)."""
        with self._lock:
            current = self._graphs.get(graph.network_id)
            if current is None or current.version <= graph.version:
                self._graphs[graph.network_id] = graph
                self._graphs.move_to_end(graph.network_id)
            while len(self._graphs) > self.max_networks:
                self._graphs.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._graphs.clear()


graph_cache = GraphCache()


def get_service_graph(network: Network, build: bool = True) -> ServiceGraph:
    """The service graph of the network's current version: from this process, else the shared
    store, else built (and stored) when `build`; GraphNotReady otherwise."""
    return graph_cache.get(network, build=build)


def get_request_graph(network: Network) -> ServiceGraph:
    """The graph for a web request: never built there unless SERVICE_GRAPH_BUILD_IN_REQUEST."""
    return graph_cache.get(network, build=bool(getattr(settings, "SERVICE_GRAPH_BUILD_IN_REQUEST", False)))
