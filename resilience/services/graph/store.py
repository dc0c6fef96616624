"""The shared store of service graphs (*graphe partagé*): one graph per network version, built once
by a worker and loaded by every other process instead of being rebuilt.

- Authoritative copy: PostgreSQL (`resilience.StoredServiceGraph`, one row per network version,
  the graph pickled and zlib-compressed), so web and worker hosts that share the database share
  the graph. Storing a version drops the older ones of that network.
- Per-host copy: `var/graphs/<network id>-v<version>-<row stamp>-f<format>.pickle` (same bytes,
  uncompressed), written on the first load from PostgreSQL, so the next process on that host reads
  a local file. Keyed by version and by the stored row's creation time (one small query checks the
  row still exists): a new version is a new file, older files of that network are removed.

Format: pickle of the ServiceGraph's state without its derived caches (attributes starting with
"_": the networkx graph, batch arrays, SPOF table… rebuilt on first use). Only what this code base
stored is ever unpickled (a row or a file under var/ written by a worker), never user input.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import time
import zlib
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

FORMAT = 2  # bumped when ServiceGraph's state changes shape: older stored graphs are ignored


def local_dir() -> Path:
    path = Path(getattr(settings, "SERVICE_GRAPH_DIR", "") or (Path(settings.VAR_DIR) / "graphs"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_path(network_id: int, version: int, stamp: str) -> Path:
    """The host's copy of one stored graph; `stamp` (the stored row's creation time) tells a copy
    of this database's row from a leftover of another database with the same ids (a restore, a
    re-created test database)."""
    return local_dir() / f"{network_id}-v{version}-{stamp}-f{FORMAT}.pickle"


def local_copies(network_id: int, version: int | None = None) -> list[Path]:
    """This host's copies of a network's stored graphs (of one version when given)."""
    pattern = f"{network_id}-v{version}-*.pickle" if version is not None else f"{network_id}-v*.pickle"
    return sorted(local_dir().glob(pattern))


def _stamp(created_at) -> str:
    return created_at.strftime("%Y%m%dT%H%M%S%f")


def dumps(graph) -> bytes:
    return pickle.dumps((FORMAT, graph), protocol=pickle.HIGHEST_PROTOCOL)


@contextlib.contextmanager
def no_gc():
    """The cyclic garbage collector paused: a graph is hundreds of thousands of small lists and
    dicts, none of them garbage, and each GC pass rescans them all while they are being made (at
    300 k premises a load took 11 s with the collector on, 3–4.6 s with it paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def loads(raw: bytes):
    with no_gc():
        fmt, graph = pickle.loads(raw)
    return graph if fmt == FORMAT else None


def _write_local(network_id: int, version: int, stamp: str, raw: bytes) -> None:
    path = local_path(network_id, version, stamp)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(raw)
    os.replace(tmp, path)  # atomic: a reader sees the whole file or none
    for old in local_copies(network_id):
        if old != path:
            old.unlink(missing_ok=True)


def save(graph, build_seconds: float = 0.0) -> int:
    """Store the graph (PostgreSQL, then the local copy); returns the compressed size in bytes."""
    from resilience.models import StoredServiceGraph

    raw = dumps(graph)
    packed = zlib.compress(raw, 1)
    StoredServiceGraph.objects.filter(network_id=graph.network_id, version=graph.version).delete()
    row = StoredServiceGraph.objects.create(
        network_id=graph.network_id, version=graph.version, data=packed, size_bytes=len(packed),
        build_seconds=round(build_seconds, 3), premises=graph.premises_total,
    )
    StoredServiceGraph.objects.filter(network_id=graph.network_id, version__lt=graph.version).delete()
    _write_local(graph.network_id, graph.version, _stamp(row.created_at), raw)
    return len(packed)


def load(network_id: int, version: int):
    """The stored graph of that network version (local copy, else PostgreSQL), None when absent."""
    from resilience.models import StoredServiceGraph

    stored = (StoredServiceGraph.objects.filter(network_id=network_id, version=version)
              .values_list("pk", "created_at").first())
    if stored is None:
        return None
    stamp = _stamp(stored[1])
    path = local_path(network_id, version, stamp)
    if path.exists():
        try:
            graph = loads(path.read_bytes())
            if graph is not None:
                return graph
        except Exception:  # a truncated or stale file: fall back to PostgreSQL
            logger.warning("unreadable local service graph %s", path, exc_info=True)
    packed = StoredServiceGraph.objects.filter(pk=stored[0]).values_list("data", flat=True).first()
    if packed is None:
        return None
    raw = zlib.decompress(bytes(packed))
    graph = loads(raw)
    if graph is not None:
        _write_local(network_id, version, stamp, raw)
    return graph


def is_stored(network_id: int, version: int) -> bool:
    from resilience.models import StoredServiceGraph

    return StoredServiceGraph.objects.filter(network_id=network_id, version=version).exists()


def build_and_store(network) -> dict:
    """Build the graph of the network's current version and store it (what the worker runs)."""
    from .rows import load_rows
    from .service_graph import ServiceGraph

    started = time.monotonic()
    rows = load_rows(network)
    with no_gc():
        graph = ServiceGraph(rows)
    seconds = time.monotonic() - started
    size = save(graph, seconds)
    return {"network": network.pk, "version": graph.version, "seconds": round(seconds, 2), "bytes": size, "graph": graph}
