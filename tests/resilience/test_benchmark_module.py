"""The benchmark functions run (on the small network) and the scipy reference agrees with the
fast method; no time is asserted here (figures go to benchmarks/README.md)."""
import pytest

from benchmarks.impact import ScipyReference, graph_build, impact_timings, run
from tests.builders import build_small_network


@pytest.fixture
def net(db):
    return build_small_network()


def test_scipy_reference_agrees_on_every_single_and_random_failure(net):
    graph, build = graph_build(net.network)
    assert build["premises"] == 9 and build["graph_edges"] == 6
    ref = ScipyReference(graph)
    for s in range(len(graph.segment_codes)):
        edges, vertices, _ = graph.failures([s])
        assert list(graph.cut_positions(edges, vertices)) == list(ref.cut_positions(edges, vertices))
    for site in range(len(graph.site_codes)):
        edges, vertices, _ = graph.failures(sites=[site])
        assert list(graph.cut_positions(edges, vertices)) == list(ref.cut_positions(edges, vertices))
    figures = impact_timings(graph, 3, repeats=30, reference=ref)
    assert set(figures) >= {"fast_p50_ms", "fast_p95_ms", "scipy_p50_ms", "scipy_p95_ms"}


def test_run_reports_every_figure(net):
    figures = run(net.network, cuts=(1, 2), repeats=3, memory=True, fresh_process=False)
    assert figures["build"]["build_peak_mb"] > 0
    assert figures["build"]["stored"] and figures["build"]["graph_load_s"] >= 0
    assert {"batch_p50_ms", "fast_p50_ms", "scipy_p50_ms"} <= set(figures["impact"][0])
    assert [row["cuts"] for row in figures["impact"]] == [1, 2]
    assert figures["spof"]["top"][0]["code"] == "ST-NRO1"
    # the small network has no optical routes: the timings ran on the cable-level paths
    assert figures["fibre_path"]["model"] == "cable-level" and figures["fibre_path"]["premises_with_fibre_path"] == 0
