"""The cable-level rule (resilience/services/graph/levels.py, docs/impact.md): transport and
distribution cables ending in the same chamber do not shortcut each other there; they meet only
through the SRO that patches them. On a one-NRO/one-SRO network, cutting the SRO site, its link or
the NRO trunk cuts the same premises as cutting the NRO."""
import pytest

from resilience.services.graph import NetworkRows, ServiceGraph, cable_level, get_service_graph, graph_cache
from resilience.services.impact import impact
from resilience.services.trace import trace
from tests.builders import build_one_sro_network

ALL = {f"AD-{i}-{j}" for i in (1, 2) for j in (1, 2, 3)}


@pytest.fixture
def net(db):
    graph_cache.clear()
    return build_one_sro_network()


def cut(net, **failures):
    by_id = {p.pk: code for code, p in net.premises.items()}
    fast = impact(net.network, **failures)
    slow = impact(net.network, method="reachability", **failures)
    assert set(fast.premises_ids) == set(slow.premises_ids)
    return {by_id[i] for i in fast.premises_ids}


def test_every_premises_is_served(net):
    graph = get_service_graph(net.network)
    assert len(graph.premises_ids) == 6 and graph.unserved == []
    assert len(graph.level_split_nodes) == 1  # the chamber CH


@pytest.mark.parametrize("failure", [
    {"failed_sites": ["ST-NRO"]},
    {"failed_sites": ["ST-SRO"]},
    {"failed_segments": ["CM-1"]},  # the NRO trunk
    {"failed_segments": ["CM-L"]},  # the SRO link
    {"failed_supports": ["PT-CH"]},  # the chamber itself
])
def test_sro_cut_cuts_as_the_nro(net, failure):
    assert cut(net, **failure) == ALL


def test_impact_api_says_which_model(net, token_client):
    client = token_client(net.network.owner, "crisis_manager")[0]
    r = client.post("/api/v1/impact/", {"network": "net-sro", "sites": ["ST-SRO"]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["figures"]["premises"] == 6
    assert r.json()["model"] == {"service_paths": "cable-level", "premises_with_fibre_path": 0, "level_split_nodes": 1}


def test_distribution_cut_cuts_its_branch_only(net):
    assert cut(net, failed_segments=["CM-3"]) == {"AD-1-1", "AD-1-2", "AD-1-3"}


def test_trace_lists_the_sro(net):
    for code in sorted(ALL):
        t = trace(net.premises[code])
        assert t.served and t.nro == "ST-NRO"
        sites = [h["code"] for h in t.hops if h["kind"] == "site"]
        assert sites == ["ST-SRO", "ST-NRO"]
        cables = [h["code"] for h in t.hops if h["kind"] == "cable"]
        assert cables[1:] == ["CB-LD", "CB-LT", "CB-TR"]


def test_unknown_levels_keep_the_old_join(db):
    """A delivery without cb_typelog: nothing says the cables are not spliced in the chamber, so
    they still join there and the SRO is bypassed (the premises stay served when it fails)."""
    graph_cache.clear()
    net = build_one_sro_network(slug="net-nolevel", roles={code: "" for code in ("CB-TR", "CB-LT", "CB-LD")})
    graph = get_service_graph(net.network)
    assert graph.level_split_nodes == frozenset()
    assert cut(net, failed_sites=["ST-SRO"]) == set()
    assert cut(net, failed_segments=["CM-1"]) == ALL


def test_levels_of_roles():
    assert cable_level("TR") == cable_level("CO") == "transport"
    assert cable_level("DI") == cable_level("TD") == "distribution"
    assert cable_level("RA") == "drop"
    assert cable_level("") is None and cable_level(None) is None and cable_level("XX") is None


def test_enclosure_node_joins_levels():
    """A BPE at the chamber patches what ends there: no split (rows built by hand)."""
    rows = NetworkRows(network_id=1, version=1)
    rows.segments = [(1, "S1", 10, 20, 10.0, "4"), (2, "S2", 20, 30, 10.0, "4")]
    rows.cables = [(1, "C1", 10, 20, "TR"), (2, "C2", 20, 30, "DI")]
    rows.routes = [(1, 1), (2, 2)]
    rows.sites = [(1, "NRO", 10, "NRO")]
    rows.enclosures = [(1, "BPE", 20, "BPE"), (2, "PBO", 30, "PBO")]
    rows.premises = [(1, "P", 2, None, 1, 0, "")]
    graph = ServiceGraph(rows)
    assert graph.level_split_nodes == frozenset() and len(graph.premises_ids) == 1
    rows.enclosures = [(2, "PBO", 30, "PBO")]
    graph = ServiceGraph(rows)
    assert graph.level_split_nodes == frozenset({20}) and len(graph.premises_ids) == 0  # no path any more
