"""Cut impact on the hand-made network (tests.builders): the fast (tree) method and the brute-force
reachability must give the same answer, and the figures below are counted by hand from the drawing."""
import random

import pytest

from resilience.services.graph import get_service_graph, graph_cache
from resilience.services.impact import UnknownAssets, impact, impact_on_graph
from tests.builders import build_small_network

PBO1 = {"AD-1-1", "AD-1-2", "AD-1-3"}
PBO2 = {"AD-2-1", "AD-2-2", "AD-2-3"}
PBO3 = {"AD-3-1", "AD-3-2", "AD-3-3"}
ALL = PBO1 | PBO2 | PBO3


@pytest.fixture
def net(db):
    graph_cache.clear()
    return build_small_network()


def codes(net, result):
    by_id = {p.pk: code for code, p in net.premises.items()}
    return {by_id[i] for i in result.premises_ids}


def both(net, **failures):
    fast = impact(net.network, **failures)
    slow = impact(net.network, method="reachability", **failures)
    assert codes(net, fast) == codes(net, slow)
    assert (fast.households, fast.businesses) == (slow.households, slow.businesses)
    return fast


def test_nothing_broken_cuts_nobody(net):
    result = both(net)
    assert result.premises == 0 and result.communes == [] and result.failed_cables == []


@pytest.mark.parametrize("segments", [["CM-T1"], ["CM-T2"], ["CM-T3a"], ["CM-T3b"]])
def test_one_cut_on_the_transport_ring_cuts_nobody(net, segments):
    result = both(net, failed_segments=segments)
    assert result.premises == 0
    assert len(result.failed_cables) == 1


def test_two_cuts_on_the_ring_isolate_the_sro_between_them(net):
    # T1 and T2 cut: SRO1 has no way left to the NRO, SRO2 is still fed through T3
    result = both(net, failed_segments=["CM-T1", "CM-T2"])
    assert codes(net, result) == PBO1 | PBO2


def test_distribution_cut_cuts_what_is_downstream(net):
    result = both(net, failed_segments=["CM-D1a"])
    assert codes(net, result) == PBO1 | PBO2
    # housing units: 1 + 2 + 3 per PBO; one business per PBO (the third premises)
    assert (result.premises, result.households, result.businesses) == (6, 12, 2)
    assert [c["code"] for c in result.critical_sites] == ["AD-2-1"]
    assert result.critical_sites[0]["category"] == "hospital"
    assert result.failed_cables == ["CB-D1"]
    [row] = result.communes
    assert (row.insee, row.name, row.premises, row.households, row.businesses, row.critical) == (
        "29232", "Quimper", 6, 12, 2, 1)


def test_pole_down_fails_the_segments_it_carries(net):
    result = both(net, failed_supports=["PT-A1"])
    assert codes(net, result) == PBO1 | PBO2
    assert result.failed_segments == ["CM-D1a", "CM-D1b"]
    assert result.failed_cables == ["CB-D1"]


def test_a_pole_carries_only_the_aerial_segments_at_its_node(net):
    # PT-PBO1 holds PBO1; at its node end CM-D1b (aerial, power poles) and CM-D2 (façade)
    result = both(net, failed_supports=["PT-PBO1"])
    assert result.failed_segments == ["CM-D1b"]
    assert codes(net, result) == PBO1 | PBO2


def test_a_facade_anchor_carries_the_facade_segment(net):
    result = both(net, failed_supports=["PT-PBO2"])
    assert result.failed_segments == ["CM-D2"] and codes(net, result) == PBO2


def test_flooded_chamber_on_the_ring_cuts_nobody(net):
    assert both(net, failed_supports=["PT-T3"]).premises == 0


def test_flooded_sro_fails_everything_behind_it(net):
    result = both(net, failed_sites=["ST-SRO1"])
    assert codes(net, result) == PBO1 | PBO2
    assert result.failed_cables == []


def test_flooded_nro_cuts_all(net):
    result = both(net, failed_sites=["ST-NRO1"])
    assert codes(net, result) == ALL
    assert (result.premises, result.households, result.businesses, result.critical) == (9, 18, 3, 2)


def test_assets_by_code_id_or_instance(net):
    by_code = impact(net.network, failed_segments=["CM-D3b"])
    by_id = impact(net.network, failed_segments=[net.segments["CM-D3b"].pk])
    by_instance = impact(net.network, failed_segments=[net.segments["CM-D3b"]])
    assert codes(net, by_code) == codes(net, by_id) == codes(net, by_instance) == PBO3


def test_unknown_codes_are_all_named(net):
    with pytest.raises(UnknownAssets) as err:
        impact(net.network, failed_segments=["CM-T1", "CM-X", "CM-D1a", "CM-Y"], failed_sites=["ST-Z"])
    assert err.value.errors == [
        {"path": "segments.1", "reason": "unknown segment code 'CM-X' in network 'net-a'"},
        {"path": "segments.3", "reason": "unknown segment code 'CM-Y' in network 'net-a'"},
        {"path": "sites.0", "reason": "unknown site code 'ST-Z' in network 'net-a'"},
    ]


def test_every_single_failure_fast_equals_reachability(net):
    graph = get_service_graph(net.network)
    singles = [(("segments", i),) for i in range(len(graph.segment_codes))]
    singles += [(("supports", i),) for i in range(len(graph.support_codes))]
    singles += [(("sites", i),) for i in range(len(graph.site_codes))]
    cut_any = 0
    for failure in singles:
        kw = {kind: [i] for kind, i in failure}
        fast = impact_on_graph(graph, **kw)
        slow = impact_on_graph(graph, method="reachability", **kw)
        assert fast.premises_ids == slow.premises_ids, failure
        cut_any += fast.premises > 0
    assert cut_any > 0  # the check is not vacuous


def test_random_failure_sets_fast_equals_reachability(net):
    graph = get_service_graph(net.network)
    rng = random.Random(20261125)
    sizes = []
    for _ in range(200):
        kw = {
            "segments": rng.sample(range(len(graph.segment_codes)), rng.randint(0, 4)),
            "supports": rng.sample(range(len(graph.support_codes)), rng.randint(0, 2)),
            "sites": rng.sample(range(len(graph.site_codes)), rng.randint(0, 1)),
        }
        fast = impact_on_graph(graph, **kw)
        slow = impact_on_graph(graph, method="reachability", **kw)
        assert fast.premises_ids == slow.premises_ids, kw
        sizes.append(fast.premises)
    assert len(set(sizes)) > 2  # the sets cut various amounts


def test_graph_is_built_in_a_fixed_handful_of_queries(net, django_assert_num_queries):
    from resilience.services.graph import ServiceGraph, load_rows

    # version, cables, routes, segments, supports, sites, enclosures, premises, communes, and whether
    # the network delivered optical routes (t_ropt: two more statements when it did, fibre_paths.py)
    with django_assert_num_queries(10):
        graph = ServiceGraph(load_rows(net.network))
    assert graph.m == 6 and len(graph.premises_ids) == 9


def test_impact_on_a_built_graph_reads_only_the_version(net, django_assert_num_queries):
    get_service_graph(net.network)
    with django_assert_num_queries(1):
        result = impact(net.network, failed_sites=["ST-NRO1"])
    assert result.premises == 9
