"""Property: on random small networks with rings, parallel cables, shared trenches, taps and
several NROs, the fast impact (precomputed tree + search inside redundant blocks) equals the
brute-force reachability from the NROs with the failed elements removed (hypothesis).

These graphs are built as plain rows (resilience.services.graph.NetworkRows): no database."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilience.services.graph import NetworkRows, ServiceGraph
from resilience.services.impact import impact_on_graph
from resilience.services.spof import spof_table


@st.composite
def networks(draw):
    n = draw(st.integers(min_value=2, max_value=14))
    rows = NetworkRows(network_id=1, version=1)
    node = lambda i: 1000 + i  # noqa: E731  database-like node ids
    # a random spanning tree plus random extra cables (rings, parallel cables, loops)
    pairs = [(draw(st.integers(0, i - 1)), i) for i in range(1, n)]
    pairs += draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=6))
    extra_node = [10_000]
    segments = []

    def new_segment(a, b):
        sid = len(segments) + 1
        segments.append((sid, f"S{sid}", a, b, float(draw(st.integers(1, 500))), draw(st.sampled_from("01247"))))
        return sid

    for k, (a, b) in enumerate(pairs):
        hops = draw(st.integers(1, 3))
        path = [node(a)] + [extra_node[0] + j for j in range(hops - 1)] + [node(b)]
        extra_node[0] += hops
        route = [new_segment(path[j], path[j + 1]) for j in range(hops)]
        if segments and draw(st.booleans()) and k:  # sometimes share a trench with an earlier cable
            shared = draw(st.sampled_from(segments))
            if shared[2] == node(b):
                route.append(shared[0])
        # mostly distribution; some transport and unknown levels exercise the cable-level rule
        role = draw(st.sampled_from(["DI", "DI", "TR", ""]))
        rows.cables.append((k + 1, f"C{k + 1}", node(a), node(b), role))
        rows.routes.extend((k + 1, sid) for sid in route)
    rows.segments = segments
    nros = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True))
    rows.sites = [(i + 1, f"ST{i + 1}", node(v), "NRO" if i < len(nros) else "SRO")
                  for i, v in enumerate(nros + draw(st.lists(st.integers(0, n - 1), max_size=2)))]
    seg_nodes = sorted({s[2] for s in segments} | {s[3] for s in segments})
    support_nodes = draw(st.lists(st.sampled_from(seg_nodes), max_size=6))
    rows.supports = [(i + 1, f"PT{i + 1}", v, draw(st.sampled_from("ACFZ"))) for i, v in enumerate(support_nodes)]
    # enclosures on cable ends and on intermediate nodes (taps), premises on them
    enc_nodes = draw(st.lists(st.sampled_from(seg_nodes), min_size=1, max_size=8, unique=True))
    rows.enclosures = [(i + 1, f"BP{i + 1}", v, "PBO") for i, v in enumerate(enc_nodes)]
    pid = 0
    for e in rows.enclosures:
        for _ in range(draw(st.integers(0, 3))):
            pid += 1
            rows.premises.append((pid, f"AD{pid}", e[0], "29232", draw(st.integers(0, 3)), draw(st.integers(0, 1)),
                                  draw(st.sampled_from(["", "", "hospital"]))))
    rows.premises.append((pid + 1, "AD-nopbo", None, "29232", 1, 0, ""))
    rows.node_codes = {}
    return rows


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_impact_equals_reachability(data):
    rows = data.draw(networks())
    graph = ServiceGraph(rows)
    failures = {
        "segments": data.draw(st.lists(st.integers(0, len(graph.segment_codes) - 1), max_size=4)),
        "supports": data.draw(st.lists(st.integers(0, len(graph.support_codes) - 1), max_size=2)) if graph.support_codes else [],
        "sites": data.draw(st.lists(st.integers(0, len(graph.site_codes) - 1), max_size=1)),
    }
    fast = impact_on_graph(graph, **failures)
    slow = impact_on_graph(graph, method="reachability", **failures)
    assert fast.premises_ids == slow.premises_ids
    assert (fast.households, fast.businesses, fast.critical) == (slow.households, slow.businesses, slow.critical)


@settings(max_examples=100, deadline=None)
@given(rows=networks())
def test_spof_table_equals_single_impacts(rows):
    graph = ServiceGraph(rows)
    table = {(sp.kind, sp.index): sp.premises for sp in spof_table(graph)}
    for kind, key, count in (("segment", "segments", len(graph.segment_codes)),
                             ("support", "supports", len(graph.support_codes)),
                             ("site", "sites", len(graph.site_codes))):
        for i in range(count):
            slow = impact_on_graph(graph, method="reachability", **{key: [i]})
            assert table.get((kind, i), 0) == slow.premises, (kind, i)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_batch_impact_equals_reachability(data):
    """The vectorised batch (facade.batch_impact: union of preorder intervals over the cut bridges,
    per-block search for the rest) gives the brute-force answer, segments with repeats included."""
    from resilience.services.graph import batch_impact

    rows = data.draw(networks())
    graph = ServiceGraph(rows)
    segments = data.draw(st.lists(st.integers(0, len(graph.segment_codes) - 1), max_size=12))
    sites = data.draw(st.lists(st.integers(0, len(graph.site_codes) - 1), max_size=1))
    vertices = graph.vertices_of_sites(sites)
    edges, _, _ = graph.failures(segments)
    assert list(batch_impact(graph, segments, vertices)) == list(graph.cut_positions_by_reachability(edges, vertices))
