"""The shared store of service graphs (*graphe partagé*): one graph per network version, built once
by a worker and memory-mapped read-only by every other process instead of being rebuilt.

- Authoritative copy: PostgreSQL (`resilience.StoredServiceGraph`, one row per network version:
  `data` is the archive below as an uncompressed tar, zlib-compressed), so web and worker hosts that
  share the database share the graph. Storing a version drops the older ones of that network.
- Per-host copy: the directory `var/graphs/<network id>-v<version>-<row stamp>-f<format>/`,
  unpacked on the first load from PostgreSQL (written to a temporary directory, then renamed:
  atomic), so the next process on that host maps local files. Keyed by version and by the stored
  row's creation time (one small query checks the row still exists); a new version is a new
  directory, older ones of that network are removed.

Archive format (the contract for anything hung on a graph, e.g. `graph.fibre`):
- `manifest.json`: for each public attribute of the graph (names starting with "_" are derived
  caches, never stored) one entry: `{"value": <JSON scalar>}`, `{"array": file}` for a numpy
  array (a `.npy` file opened with `np.load(mmap_mode="r")`: pages are shared between processes and
  read on demand), `{"container": kind, "arrays": {part: file}}` for the Python lists, dicts and
  sets arrays.py turns into sorted-key / CSR arrays, `{"dict": {...}}` for a nested dict of the
  same, `{"object": "module:Class", "attrs": {...}}` for an object whose `__dict__` holds only
  the same (restored without calling `__init__`).
- `rich.pickle`: the attributes with no array form (dicts keyed by tuples, lists holding None…),
  loaded only when one of them is first read (`ServiceGraph.__getattr__`): impact, batch impact
  and exposure never read them, trace and SPOF details may.
Only what this code base stored is ever unpickled (a row or a file under var/ written by a
worker), never user input.
"""
from __future__ import annotations

import importlib
import io
import json
import logging
import os
import pickle
import time
import shutil
import tarfile
import threading
import zlib
from pathlib import Path

import numpy as np
from django.conf import settings

from core.gc_pause import no_gc

from . import arrays

logger = logging.getLogger(__name__)

FORMAT = 3  # bumped when the archive or the graph's state changes shape: older stored graphs are ignored
MANIFEST = "manifest.json"
RICH = "rich.pickle"


def local_dir() -> Path:
    path = Path(getattr(settings, "SERVICE_GRAPH_DIR", "") or (Path(settings.VAR_DIR) / "graphs"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_path(network_id: int, version: int, stamp: str) -> Path:
    """The host's copy of one stored graph; `stamp` (the stored row's creation time) tells a copy
    of this database's row from a leftover of another database with the same ids (a restore, a
    re-created test database)."""
    return local_dir() / f"{network_id}-v{version}-{stamp}-f{FORMAT}"


def local_copies(network_id: int, version: int | None = None) -> list[Path]:
    """This host's copies of a network's stored graphs (of one version when given)."""
    pattern = f"{network_id}-v{version}-*" if version is not None else f"{network_id}-v*"
    return sorted(p for p in local_dir().glob(pattern) if ".tmp" not in p.name)


def _stamp(created_at) -> str:
    return created_at.strftime("%Y%m%dT%H%M%S%f")


# -- archive --------------------------------------------------------------------------------------
def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _encode_value(value, name: str, files: dict[str, np.ndarray]):
    """The manifest entry of one value (its arrays added to `files`), None when it has no array form."""
    if isinstance(value, np.generic):
        value = value.item()
    if _is_scalar(value):
        return {"value": value}
    if isinstance(value, (list, tuple, dict)) and not value:
        return {"value": type(value)() if isinstance(value, dict) else []}
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            return None
        files[f"{name}.npy"] = value
        return {"array": f"{name}.npy"}
    if (isinstance(value, dict) and value and all(isinstance(k, str) for k in value)
            and not all(_is_scalar(v) for v in value.values())):  # a dict of scalars is one ArrayMap
        entries = {k: _encode_value(v, f"{name}.{k}", files) for k, v in value.items()}
        if all(e is not None for e in entries.values()):
            return {"dict": entries}
    if hasattr(value, "__dict__") and not isinstance(value, type) and type(value).__module__ != "builtins":
        attrs = {k: _encode_value(v, f"{name}.{k}", files) for k, v in vars(value).items()}
        if all(e is not None for e in attrs.values()):
            return {"object": f"{type(value).__module__}:{type(value).__qualname__}", "attrs": attrs}
        return None
    encoded = arrays.encode(value)
    if encoded is None:
        return None
    kind, parts = encoded
    names = {}
    for part, a in parts.items():
        files[f"{name}.{part}.npy"] = a
        names[part] = f"{name}.{part}.npy"
    return {"container": kind, "arrays": names}


def _decode_value(entry, directory: Path):
    if "value" in entry:
        return entry["value"]
    if "array" in entry:
        return np.load(directory / entry["array"], mmap_mode="r")
    if "dict" in entry:
        return {k: _decode_value(v, directory) for k, v in entry["dict"].items()}
    if "object" in entry:
        module, _, qualname = entry["object"].partition(":")
        cls = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        obj = cls.__new__(cls)
        obj.__dict__.update({k: _decode_value(v, directory) for k, v in entry["attrs"].items()})
        return obj
    return arrays.decode(entry["container"], {p: np.load(directory / f, mmap_mode="r") for p, f in entry["arrays"].items()})


def write_archive(graph, directory: Path) -> None:
    """The graph's public state as .npy files + manifest + the pickled remainder, in `directory`."""
    directory.mkdir(parents=True, exist_ok=False)
    files: dict[str, np.ndarray] = {}
    manifest, rich = {}, {}
    for name, value in graph.__getstate__().items():
        entry = _encode_value(value, name, files)
        if entry is None:
            rich[name] = value
        else:
            manifest[name] = entry
    for fname, a in files.items():
        np.save(directory / fname, np.ascontiguousarray(a), allow_pickle=False)
    (directory / RICH).write_bytes(pickle.dumps(rich, protocol=pickle.HIGHEST_PROTOCOL))
    (directory / MANIFEST).write_text(json.dumps({"format": FORMAT, "class": "ServiceGraph", "attrs": manifest}))


def read_archive(directory: Path):
    """The graph mapped from `directory` (arrays memory-mapped, the pickled part left for later),
    None when the archive is of another format."""
    from .service_graph import ServiceGraph

    manifest = json.loads((directory / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        return None
    graph = ServiceGraph.__new__(ServiceGraph)
    graph.__dict__.update({k: _decode_value(v, directory) for k, v in manifest["attrs"].items()})
    graph.__dict__["_rich_path"] = open(directory / RICH, "rb")  # noqa: SIM115 (closed once read)
    return graph


def _pack(directory: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for f in sorted(directory.iterdir()):
            tar.add(f, arcname=f.name)
    return zlib.compress(buf.getvalue(), 1)


def _unpack(packed: bytes, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=False)
    with tarfile.open(fileobj=io.BytesIO(zlib.decompress(packed)), mode="r") as tar:
        tar.extractall(directory, filter="data")


def _install_local(network_id: int, tmp: Path, path: Path) -> None:
    """Rename a fully written temporary directory into place (atomic), drop older copies."""
    try:
        os.rename(tmp, path)
    except OSError:  # another process installed the same copy first
        shutil.rmtree(tmp, ignore_errors=True)
    for old in local_copies(network_id):
        if old == path:
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:  # a copy of the former format (one .pickle file)
            old.unlink(missing_ok=True)


def _tmp_dir(path: Path) -> Path:
    return path.with_name(f"{path.name}.tmp{os.getpid()}-{threading.get_ident()}")


def save(graph, build_seconds: float = 0.0) -> int:
    """Store the graph (PostgreSQL, then the local copy); returns the compressed size in bytes."""
    from resilience.models import StoredServiceGraph

    scratch = local_dir() / f"build-{graph.network_id}-v{graph.version}.tmp{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(scratch, ignore_errors=True)
    write_archive(graph, scratch)
    packed = _pack(scratch)
    StoredServiceGraph.objects.filter(network_id=graph.network_id, version=graph.version).delete()
    row = StoredServiceGraph.objects.create(
        network_id=graph.network_id, version=graph.version, data=packed, size_bytes=len(packed),
        build_seconds=round(build_seconds, 3), premises=graph.premises_total,
    )
    StoredServiceGraph.objects.filter(network_id=graph.network_id, version__lt=graph.version).delete()
    _install_local(graph.network_id, scratch, local_path(graph.network_id, graph.version, _stamp(row.created_at)))
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
            graph = read_archive(path)
            if graph is not None:
                return graph
        except Exception:  # a damaged copy: fall back to PostgreSQL
            logger.warning("unreadable local service graph %s", path, exc_info=True)
            shutil.rmtree(path, ignore_errors=True)
    packed = StoredServiceGraph.objects.filter(pk=stored[0]).values_list("data", flat=True).first()
    if packed is None:
        return None
    tmp = _tmp_dir(path)
    try:
        _unpack(bytes(packed), tmp)
    except Exception:  # a row of an older format (a pickle): ignored, rebuilt by a worker
        logger.warning("stored service graph of network %s v%s is not an archive", network_id, version)
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    manifest = json.loads((tmp / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    _install_local(network_id, tmp, path)
    return read_archive(path)


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
    # the other per-version derived data, computed by the same worker: each asset's commune, so
    # that the first exposure of this version makes no point-in-commune test
    from network.services import asset_communes

    communes = asset_communes.ensure(network.pk)
    return {"network": network.pk, "version": graph.version, "seconds": round(seconds, 2), "bytes": size,
            "asset_communes_s": communes and communes["seconds"], "graph": graph}
