"""The shared service graph (resilience/services/graph/store.py): built once per network version,
stored in PostgreSQL with a file copy per host, loaded by the other processes instead of rebuilt;
a web request never builds it (503 + Retry-After until a worker has)."""
import json
import shutil

import numpy as np
import pytest

from network.models import Network
from resilience.models import StoredServiceGraph
from resilience.services.graph import GraphNotReady, get_service_graph, graph_cache, store
from resilience.services.impact import impact
from resilience.tasks import build_service_graph
from tests.builders import build_small_network


@pytest.fixture
def net(db, tmp_path, settings):
    settings.SERVICE_GRAPH_DIR = str(tmp_path / "graphs")
    graph_cache.clear()
    return build_small_network()


@pytest.fixture
def manager(net, token_client):
    return token_client(net.network.owner, "crisis_manager")[0]


def test_a_build_is_stored_and_loaded_elsewhere_without_building(net):
    first = get_service_graph(net.network)
    row = StoredServiceGraph.objects.get(network=net.network)
    assert row.version == first.version and row.premises == 9 and row.size_bytes > 0
    assert len(store.local_copies(net.network.pk, first.version)) == 1
    # another process: nothing in memory; the host's file copy is used, then PostgreSQL's
    for drop_local in (False, True):
        graph_cache.clear()
        if drop_local:
            shutil.rmtree(store.local_copies(net.network.pk, first.version)[0])
        builds, loads = graph_cache.builds, graph_cache.loads
        graph = get_service_graph(net.network, build=False)
        assert (graph_cache.builds, graph_cache.loads) == (builds, loads + 1)
        assert graph is not first and graph.version == first.version
        assert len(store.local_copies(net.network.pk, first.version)) == 1
    # the loaded graph answers as the built one (caches dropped at storing are rebuilt on use)
    assert impact(net.network, failed_supports=["PT-A1"]).premises == 6
    assert list(graph.cut_positions_by_reachability(*graph.failures(supports=[0])[:2])) == list(
        first.cut_positions_by_reachability(*first.failures(supports=[0])[:2]))


def test_a_new_version_replaces_the_stored_one(net):
    get_service_graph(net.network)
    old = Network.objects.get(pk=net.network.pk).version
    net.network.bump_version()
    graph = get_service_graph(net.network)
    assert graph.version > old
    assert list(StoredServiceGraph.objects.filter(network=net.network).values_list("version", flat=True)) == [graph.version]
    assert store.local_copies(net.network.pk, old) == []
    assert len(store.local_copies(net.network.pk)) == 1


def test_a_leftover_file_of_another_database_is_not_used(net):
    """Same network id and version, another stored row (a restore, a re-created database): the
    file named after the old row is ignored; the current row is loaded from PostgreSQL."""
    graph = get_service_graph(net.network)
    path = store.local_copies(net.network.pk, graph.version)[0]
    stale = path.with_name(path.name.replace(f"v{graph.version}-", f"v{graph.version}-19990101T000000000000-x", 1))
    path.rename(stale)
    StoredServiceGraph.objects.filter(network=net.network).delete()
    assert store.load(net.network.pk, graph.version) is None  # no row: the file alone is not trusted
    store.save(graph)
    assert store.load(net.network.pk, graph.version) is not None


def test_without_build_a_missing_graph_is_not_ready(net):
    builds = graph_cache.builds
    with pytest.raises(GraphNotReady):
        get_service_graph(net.network, build=False)
    assert graph_cache.builds == builds


def test_the_worker_task_builds_and_stores(net):
    result = build_service_graph(net.network.pk)
    assert result["version"] == Network.objects.get(pk=net.network.pk).version and result["bytes"] > 0
    assert build_service_graph(net.network.pk)["stored"] is True  # second call: nothing to do
    graph_cache.clear()
    get_service_graph(net.network, build=False)


def test_web_request_answers_503_until_the_worker_built_it(net, manager, settings):
    settings.SERVICE_GRAPH_BUILD_IN_REQUEST = False
    body = {"network": "net-a", "supports": ["PT-A1"]}
    builds, loads = graph_cache.builds, graph_cache.loads
    r = manager.post("/api/v1/impact/", body, format="json")
    assert r.status_code == 503 and r["Retry-After"] == "5"
    assert r.json()["errors"][0]["reason"]
    assert graph_cache.builds == builds
    build_service_graph(net.network.pk)  # what the worker does
    graph_cache.clear()  # the web process has nothing in memory
    r = manager.post("/api/v1/impact/", body, format="json")
    assert r.status_code == 200 and r.json()["figures"]["premises"] == 6
    assert graph_cache.loads == loads + 1


def test_the_warmer_stores_what_is_missing_once(net):
    from resilience.services.graph_warm import networks_to_store, store_missing

    from django.core.cache import cache

    assert net.network.pk in networks_to_store()
    cache.delete(f"graph-building:{net.network.pk}:{Network.objects.get(pk=net.network.pk).version}")  # an earlier run's
    done = store_missing()
    assert [r["network"] for r in done] == [net.network.pk]
    assert net.network.pk not in networks_to_store()
    net.network.bump_version()
    assert net.network.pk in networks_to_store()


def test_the_stored_graph_is_memory_mapped_arrays(net):
    """What a web or worker process loads: numpy arrays mapped read-only from the host's copy, the
    pickled remainder (attributes with no array form) read only when one of them is asked for."""
    from resilience.services.graph import ServiceGraph, load_rows

    get_service_graph(net.network)
    built = ServiceGraph(load_rows(net.network))  # the lists and dicts as built
    graph_cache.clear()
    graph = store.load(net.network.pk, built.version)
    assert isinstance(graph.__dict__["premises_ids"], np.memmap)
    assert isinstance(graph.__dict__["batch"]["start"], np.memmap)
    assert "_rich_path" in graph.__dict__  # nothing unpickled yet
    assert graph.segment_code_index.get(built.segment_codes[0]) == 0
    assert graph.segment_code_index.get("no such code") is None
    assert list(graph.edge_segments[0]) == list(built.edge_segments[0])
    assert sorted(graph.bridges) == sorted(built.bridges)
    assert graph.level_split_nodes == built.level_split_nodes
    graph.__getstate__()  # reads the pickled part (what a trace or a re-store may need)
    assert "_rich_path" not in graph.__dict__ and graph.__getstate__().keys() == built.__getstate__().keys()


class FibrePaths:
    """Stands for helper C's `graph.fibre`: an object whose __dict__ holds numpy arrays and scalars."""


def test_a_plain_object_of_arrays_is_stored_without_changes(net, tmp_path):
    """The store's contract (store.py): an attribute whose __dict__ holds only numpy arrays and
    scalars comes back as the same class, its arrays mapped; a nested dict of the same too."""
    graph = get_service_graph(net.network)
    holder = type(graph).__new__(type(graph))
    holder.__dict__.update(graph.__getstate__())
    fibre = FibrePaths()
    fibre.route_ptr, fibre.premises, fibre.model = np.arange(4), 3, "fibre"
    holder.__dict__["fibre"] = fibre
    holder.__dict__["extra"] = {"paths": np.arange(3), "count": 3}
    store.write_archive(holder, tmp_path / "a")
    back = store.read_archive(tmp_path / "a")
    assert type(back.fibre) is FibrePaths and isinstance(back.fibre.route_ptr, np.memmap)
    assert list(back.fibre.route_ptr) == [0, 1, 2, 3] and (back.fibre.premises, back.fibre.model) == (3, "fibre")
    assert list(back.extra["paths"]) == [0, 1, 2] and back.extra["count"] == 3


def test_no_web_request_builds_a_graph_whatever_the_call_site_asks(net, rf, settings):
    """Any call site (reporting, restoration, power… call get_service_graph with build=True) runs
    inside the middleware: a missing graph is a 503 + Retry-After, the API's error shape under
    /api/, a "graphe en cours de calcul" page elsewhere, and nothing is built."""
    from resilience.middleware import ServiceGraphRequestMiddleware

    settings.SERVICE_GRAPH_BUILD_IN_REQUEST = False

    def view(request):
        get_service_graph(net.network)  # build=True, as the call sites pass it
        return None

    def through_middleware(request):
        middleware = ServiceGraphRequestMiddleware(lambda r: None)

        def get_response(r):
            try:
                return view(r)
            except Exception as exc:
                return middleware.process_exception(r, exc)

        middleware.get_response = get_response
        return middleware(request)

    builds = graph_cache.builds
    api = through_middleware(rf.post("/api/v1/reports/cut/"))
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert json.loads(api.content)["errors"][0]["reason"]
    page = through_middleware(rf.get("/crise/"))
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "Graphe en cours de calcul" in page.content.decode()
    assert graph_cache.builds == builds
    # outside a web request (a worker, a shell) the same call builds
    get_service_graph(net.network)
    assert graph_cache.builds == builds + 1


def test_bulk_lookups_on_the_mapped_graph_answer_as_the_built_one(net):
    """The exposure's bulk paths (arrays.lookup / gather / take, segments_of_supports,
    edges_of_segments, the expected impact's plain tables) give on the mapped graph exactly what
    the per-element paths give on the graph as built."""
    from resilience.services.expected_impact import premises_cut_probability
    from resilience.services.graph import ServiceGraph, arrays, load_rows

    get_service_graph(net.network)
    built = ServiceGraph(load_rows(net.network))
    graph_cache.clear()
    mapped = store.load(net.network.pk, built.version)
    assert isinstance(mapped.segment_index, arrays.ArrayMap) and not isinstance(built.segment_index, arrays.ArrayMap)
    ids = sorted(built.segment_index) + [-1, 10**12]  # two ids the graph does not know
    for graph in (built, mapped):
        values, found = arrays.lookup(graph.segment_index, ids)
        assert found.tolist() == [True] * (len(ids) - 2) + [False, False]
        assert values.tolist() == [built.segment_index[i] for i in ids[:-2]]
    segments = list(range(len(built.segment_codes)))
    supports = list(range(len(built.support_codes)))
    for graph in (built, mapped):
        assert graph.segments_of_supports(supports) == built.segments_of_supports_one_by_one(supports)
        for one in supports:
            assert graph.segments_of_supports([one]) == set(built.segments_of_support(one))
        assert graph.edges_of_segments(segments) == {e for s in segments for e in built.segment_edges.get(s, ())}
        assert arrays.take(graph.segment_codes, segments[::-1]) == [built.segment_codes[s] for s in segments[::-1]]
        flat, owner = arrays.gather(graph.segment_edges, [segments[-1], -5, segments[0]])
        assert flat.tolist() == list(built.segment_edges[segments[-1]]) + list(built.segment_edges[segments[0]])
        assert owner.tolist() == [0] * len(built.segment_edges[segments[-1]]) + [2] * len(built.segment_edges[segments[0]])
    seg_p = {s: 0.1 + 0.05 * s for s in segments[:4]}
    sup_p = {i: 0.3 for i in supports[:3]}
    q_built = premises_cut_probability(built, seg_p, sup_p, {}, draws=50)
    q_mapped = premises_cut_probability(mapped, seg_p, sup_p, {}, draws=50)
    assert q_built.tolist() == q_mapped.tolist() and q_built.max() > 0


def test_the_expected_impacts_bulk_link_factors_match_the_vertex_by_vertex_reference(net):
    from resilience.services.expected_impact import (
        _block_keys, _edge_assets, _link_log_factors, _link_log_factors_one_by_one, _probability_arrays,
    )
    from resilience.services.graph import ServiceGraph, load_rows

    get_service_graph(net.network)
    built = ServiceGraph(load_rows(net.network))
    graph_cache.clear()
    mapped = store.load(net.network.pk, built.version)
    seg_p = {s: 0.05 * (s + 1) for s in range(0, len(built.segment_codes), 2)}
    sup_p = {i: 0.2 for i in range(len(built.support_codes))}
    site = 0
    vertex = built.node_index[built.site_node[site]]
    for vertex_site in ({}, {vertex: [(("t", site), 0.4)]}):
        for graph in (built, mapped):
            vertices = np.arange(built.n + 1, dtype=np.int64)
            expected = _link_log_factors_one_by_one(built, vertices, seg_p, sup_p, vertex_site)
            assert np.any(expected != 0)
            assert np.allclose(_link_log_factors(graph, vertices, seg_p, sup_p, vertex_site), expected, rtol=0, atol=1e-12)
            # the Monte-Carlo keys of the edges: each edge fails with the probability of its own
            # distinct assets, and two edges share exactly the keys of the assets they share
            edges = list(range(built.m))
            probs, edge_keys = _block_keys(graph, edges, *_probability_arrays(graph, seg_p, sup_p))
            reference = [dict(_edge_assets(built, e, seg_p, sup_p)) for e in edges]
            for keys, assets in zip(edge_keys, reference):
                assert len(set(keys)) == len(keys)
                assert np.prod([1 - probs[k] for k in keys]) == pytest.approx(np.prod([1 - p for p in assets.values()]), abs=1e-12)
            holders = {}
            for e, assets in enumerate(reference):
                for key in assets:
                    holders.setdefault(key, set()).add(e)
            shared = [h for h in holders.values() if len(h) > 1]
            for a in edges:
                for b in edges[a + 1:]:
                    common = sum(1 for h in shared if {a, b} <= h)
                    assert len(set(edge_keys[a]) & set(edge_keys[b])) == common
            assert len(probs) < sum(len(r) for r in reference)  # fewer keys than assets
    # a pole carrying segments of two edges is one key of both (their failures correlated); the
    # assets held by the same edges are one key
    from types import SimpleNamespace

    toy = SimpleNamespace(edge_segments=[(0, 1), (2,), (3,)], segment_supports={1: [0], 2: [0], 3: [1]},
                          segment_codes=["a", "b", "c", "d"], support_codes=["P0", "P1"])
    probs, edge_keys = _block_keys(toy, [0, 1, 2], *_probability_arrays(toy, {0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4}, {0: 0.5, 1: 0.6}))
    [pole] = set(edge_keys[0]) & set(edge_keys[1])
    assert probs[pole] == 0.5 and not set(edge_keys[2]) & (set(edge_keys[0]) | set(edge_keys[1]))
    own = {e: [k for k in keys if k != pole] for e, keys in enumerate(edge_keys)}
    assert [probs[k] for k in own[0]] == pytest.approx([1 - 0.9 * 0.8]) and [probs[k] for k in own[1]] == pytest.approx([0.3])
    assert [probs[k] for k in own[2]] == pytest.approx([1 - 0.6 * 0.4])


def test_the_warmer_maps_every_stored_graph_and_prepares_the_expected_impacts_tables(net):
    from resilience.services.graph_warm import networks_to_warm, warm

    assert net.network.pk not in networks_to_warm()  # nothing stored yet
    build_service_graph(net.network.pk)
    assert net.network.pk in networks_to_warm()
    graph_cache.clear()
    result = warm(net.network.pk)
    assert result["built"] is False  # mapped from the store
    graph = get_service_graph(net.network, build=False)
    assert {"comp", "tparent", "inner_adj"} <= set(graph.__dict__.get("_python", {}))
    net.network.bump_version()  # a stored graph of an older version is not warmed
    assert net.network.pk not in networks_to_warm()
