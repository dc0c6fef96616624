"""Benchmark of the impact engine (resilience.services) on a network already in the database,
e.g. a 300k-premises one from `manage.py generate_rip`.

    .venv/bin/python -m benchmarks.impact --network SLUG [--cuts 1,100,1000,5000] [--repeats 20] [--seed 1] [--memory]

Measures, in one run:
- graph build: rows loading (SQL) and precomputation, in seconds; with --memory, the Python heap
  held by the graph (tracemalloc peak, slower run);
- impact of k random failed segments (k in --cuts): p50 / p95 in milliseconds, fast method, and the
  same computation with scipy.sparse.csgraph.connected_components on a CSR matrix of the graph,
  side by side, with the same answer required (an AssertionError otherwise);
- single points of failure: time to compute the ranked table of every segment, support and site.

Nothing here asserts times: figures go to benchmarks/README.md. The functions are importable, so
the lead can call them from a shell (`manage.py shell`) on any network.
"""
from __future__ import annotations

import argparse
import json
import random
import time
import tracemalloc

import numpy as np


def setup_django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def percentile(values, q) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else 0.0


def graph_build(network, memory: bool = False) -> tuple[object, dict]:
    """Build the service graph from scratch (no cache): (graph, figures)."""
    from resilience.services.graph import ServiceGraph, load_rows

    t0 = time.perf_counter()
    rows = load_rows(network)
    t1 = time.perf_counter()
    graph = ServiceGraph(rows)
    t2 = time.perf_counter()
    figures = {
        "premises": graph.premises_total, "premises_served": len(graph.premises_ids), "segments": len(graph.segment_codes),
        "cables": len(graph.cable_codes), "graph_vertices": graph.n, "graph_edges": graph.m, "bridges": len(graph.bridges),
        "blocks": len(graph.comp_nodes), "largest_block": max(len(c) for c in graph.comp_nodes),
        "load_rows_s": round(t1 - t0, 3), "precompute_s": round(t2 - t1, 3), "build_s": round(t2 - t0, 3),
    }
    if memory:
        del rows
        tracemalloc.start()
        ServiceGraph(load_rows(network))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures["build_peak_mb"] = round(peak / 2**20, 3)
    return graph, figures


class ScipyReference:
    """The same question, answered by scipy: connected components of the graph without the failed
    edges and vertices, then the premises whose PBO is not in the source's component."""

    def __init__(self, graph):
        from scipy.sparse import csr_matrix

        self.graph = graph
        u = list(graph.edge_u) + [graph.source] * len(graph.nro_vertices)
        v = list(graph.edge_v) + list(graph.nro_vertices)
        self.u = np.asarray(u, dtype=np.int64)
        self.v = np.asarray(v, dtype=np.int64)
        self.size = graph.n + 1
        self.csr_matrix = csr_matrix
        counts = np.diff(graph.prem_offset)
        self.premises_vertex = np.repeat(np.asarray(graph.order, dtype=np.int64), counts)

    def cut_positions(self, failed_edges, failed_vertices) -> np.ndarray:
        from scipy.sparse.csgraph import connected_components

        keep = np.ones(len(self.u), dtype=bool)
        if failed_edges:
            keep[np.fromiter(failed_edges, dtype=np.int64)] = False
        if failed_vertices:
            dead = np.zeros(self.size, dtype=bool)
            dead[np.fromiter(failed_vertices, dtype=np.int64)] = True
            keep &= ~dead[self.u] & ~dead[self.v]
        m = self.csr_matrix((np.ones(int(keep.sum()), dtype=np.int8), (self.u[keep], self.v[keep])), shape=(self.size, self.size))
        _, labels = connected_components(m, directed=False)
        alive = labels == labels[self.graph.source]
        if failed_vertices:
            alive[np.fromiter(failed_vertices, dtype=np.int64)] = False
        return np.flatnonzero(~alive[self.premises_vertex]).astype(np.int64)


def impact_timings(graph, cuts: int, repeats: int = 20, seed: int = 1, reference: ScipyReference | None = None) -> dict:
    """p50/p95 (ms) of the impact of `cuts` random failed segments: the batch method (vectorised
    union of the preorder intervals of the cut bridges, graph.facade.batch_impact), the per-set
    method the API uses (sets, graph.cut_positions) and scipy; all three start from the same
    segment indices and must give the same positions."""
    from resilience.services.graph import batch_impact

    rng = random.Random(seed)
    carried = sorted(graph.segment_edges)  # keys of an ArrayMultiMap on a mapped graph
    batch_ms, fast_ms, scipy_ms, cut_sizes = [], [], [], []
    for _ in range(repeats):
        segments = rng.sample(carried, min(cuts, len(carried)))
        t0 = time.perf_counter()
        positions = batch_impact(graph, segments)
        batch_ms.append((time.perf_counter() - t0) * 1000)
        cut_sizes.append(len(positions))
        t1 = time.perf_counter()
        edges, vertices, _ = graph.failures(segments)
        by_sets = graph.cut_positions(edges, vertices)
        fast_ms.append((time.perf_counter() - t1) * 1000)
        assert np.array_equal(positions, by_sets), f"batch and per-set differ for {cuts} cuts"
        if reference is not None:
            t2 = time.perf_counter()
            edge_array = graph.edges_of_segment_array(np.asarray(segments, dtype=np.int64))
            expected = reference.cut_positions(set(edge_array.tolist()), set())
            scipy_ms.append((time.perf_counter() - t2) * 1000)
            assert np.array_equal(positions, expected), f"fast and scipy differ for {cuts} cuts"
    out = {"cuts": cuts, "repeats": repeats, "model": "cable-level",
           "batch_p50_ms": round(percentile(batch_ms, 50), 3), "batch_p95_ms": round(percentile(batch_ms, 95), 3),
           "fast_p50_ms": round(percentile(fast_ms, 50), 2), "fast_p95_ms": round(percentile(fast_ms, 95), 2),
           "premises_cut_p50": int(percentile(cut_sizes, 50))}
    if scipy_ms:
        out.update(scipy_p50_ms=round(percentile(scipy_ms, 50), 2), scipy_p95_ms=round(percentile(scipy_ms, 95), 2))
    return out


def rss_mb() -> float:
    """Resident memory of this process (Linux /proc), in MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def spof_time(graph) -> dict:
    from resilience.services.spof import spof_table

    if hasattr(graph, "_spof_table"):
        del graph._spof_table
    t0 = time.perf_counter()
    table = spof_table(graph)
    return {"spof_s": round(time.perf_counter() - t0, 3), "spof_elements": len(table),
            "top": [sp.as_dict() for sp in table[:5]]}


def graph_load(network) -> dict:
    """In this (fresh) process: load the stored graph of the network's version (host file copy,
    else PostgreSQL), the way a web or worker process gets it; seconds and resident memory added."""
    from resilience.services.graph import store

    from resilience.services.graph import batch_impact

    before = rss_mb()
    t0 = time.perf_counter()
    graph = store.load(network.pk, network.version)
    seconds = time.perf_counter() - t0
    out = {"graph_load_s": round(seconds, 3), "graph_load_rss_mb": round(rss_mb() - before, 1),
           "stored": graph is not None}
    if graph is not None:
        # what a process then pays for its first batch of cuts: mapped pages read in (shared
        # with every other process on the host), nothing unpickled
        segments = random.Random(1).sample(range(len(graph.segment_codes)), min(1000, len(graph.segment_codes)))
        t1 = time.perf_counter()
        batch_impact(graph, segments)
        out["first_batch_1000_s"] = round(time.perf_counter() - t1, 3)
        out["rss_after_first_batch_mb"] = round(rss_mb() - before, 1)
        out["rich_part_loaded"] = "_rich_path" not in graph.__dict__
    return out


def graph_load_fresh(network, from_database: bool = False) -> dict:
    """graph_load in a new Python process (what a gunicorn or Celery process pays once per version)."""
    import subprocess
    import sys

    from resilience.services.graph import store

    if from_database:
        import shutil

        for path in store.local_copies(network.pk):
            shutil.rmtree(path, ignore_errors=True)
    from pathlib import Path

    out = subprocess.run([sys.executable, "-m", "benchmarks.impact", "--network", network.slug, "--load-only"],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(network, cuts=(1, 100, 1000, 5000), repeats: int = 20, seed: int = 1, memory: bool = False, scipy: bool = True,
        fresh_process: bool = True) -> dict:
    from resilience.services.graph import store

    rss_before = rss_mb()
    graph, build = graph_build(network, memory=memory)
    build["rss_before_mb"], build["rss_with_graph_mb"] = rss_before, rss_mb()
    build["graph_rss_mb"] = round(build["rss_with_graph_mb"] - rss_before, 1)
    t0 = time.perf_counter()
    build["store_bytes"] = store.save(graph, build["build_s"])
    build["store_s"] = round(time.perf_counter() - t0, 3)
    if fresh_process:
        build["fresh_process_from_postgresql"] = graph_load_fresh(network, from_database=True)
        build["fresh_process_from_host_file"] = graph_load_fresh(network)
        build["graph_load_s"] = build["fresh_process_from_host_file"]["graph_load_s"]
    else:  # tests: a subprocess would not see the test database
        build.update(graph_load(network))
    build["level_split_nodes"] = len(graph.level_split_nodes)
    # the timings on the graph as every process holds it: mapped from the store
    graph = store.load(network.pk, network.version) or graph
    reference = ScipyReference(graph) if scipy else None
    return {
        "network": network.slug, "build": build,
        # the model the timings below ran on (fibre paths when the network carries optical routes);
        # the two side by side on one network: `python -m benchmarks impact_fibre` (synthetic
        # routes written from the cable-level paths when the network has none)
        "fibre_path": {"model": getattr(graph, "service_model", "cable-level"),
                       "premises_with_fibre_path": int(getattr(graph, "fibre_path_premises", 0) or 0),
                       "side_by_side": f"python -m benchmarks impact_fibre --network {network.slug}"},
        "impact": [impact_timings(graph, k, repeats=repeats, seed=seed + k, reference=reference) for k in cuts],
        "spof": spof_time(graph),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", required=True)
    parser.add_argument("--cuts", default="1,100,1000,5000")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--no-scipy", action="store_true")
    parser.add_argument("--load-only", action="store_true", help="only load the stored graph (graph_load)")
    args = parser.parse_args(argv)
    setup_django()
    from network.models import Network

    network = Network.objects.get(slug=args.network)
    if args.load_only:
        print(json.dumps(graph_load(network)))
        return
    figures = run(network, cuts=[int(c) for c in args.cuts.split(",")], repeats=args.repeats, seed=args.seed,
                  memory=args.memory, scipy=not args.no_scipy)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
