"""The per-process cache of service graphs (*cache du graphe de desserte*), one per network, keyed
by (network id, Network.version): rebuilt when the version changes, never per request."""
from __future__ import annotations

import threading
from collections import OrderedDict

from network.models import Network

from .rows import load_rows
from .service_graph import ServiceGraph


# -- cache --------------------------------------------------------------------------------------
class GraphCache:
    """Service graphs kept in this process, one per network, keyed by (network id, version)."""

    def __init__(self, max_networks: int = 8):
        self.max_networks = max_networks
        self._graphs: OrderedDict[int, ServiceGraph] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[int, threading.Lock] = {}
        self.builds = 0  # how many graphs this process built (tests and metrics read it)

    def get(self, network: Network) -> ServiceGraph:
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
            graph = ServiceGraph(load_rows(network))
            with self._lock:
                self.builds += 1
                current = self._graphs.get(network.pk)
                if current is None or current.version <= graph.version:
                    self._graphs[network.pk] = graph
                    self._graphs.move_to_end(network.pk)
                while len(self._graphs) > self.max_networks:
                    self._graphs.popitem(last=False)
            return graph

    def clear(self) -> None:
        with self._lock:
            self._graphs.clear()


graph_cache = GraphCache()


def get_service_graph(network: Network) -> ServiceGraph:
    """The service graph of the network's current version (built once per version)."""
    return graph_cache.get(network)
