"""Trace, single points of failure and the per-commune report on the hand-made network."""
import pytest

from network.models import Premises
from resilience.services.graph import get_service_graph, graph_cache
from resilience.services.impact import impact
from resilience.services.report import commune_resilience, network_communes
from resilience.services.spof import single_points_of_failure
from resilience.services.trace import trace
from tests.builders import build_small_network


@pytest.fixture
def net(db):
    graph_cache.clear()
    return build_small_network()


def test_trace_of_the_hospital_goes_up_the_tree_then_the_ring(net):
    t = trace(net.premises["AD-2-1"])
    assert t.served and t.nro == "ST-NRO1"
    steps = [(h["kind"], h["code"]) for h in t.hops]
    assert steps == [
        ("premises", "AD-2-1"), ("enclosure", "BP-PBO2"),
        ("cable", "CB-D2"), ("enclosure", "BP-PBO1"),
        ("cable", "CB-D1"), ("site", "ST-SRO1"),
        ("cable", "CB-T1"), ("site", "ST-NRO1"),
    ]
    d2, d1, t1 = (h for h in t.hops if h["kind"] == "cable")
    assert [s["code"] for s in d1["segments"]] == ["CM-D1b", "CM-D1a"]  # in the direction of travel
    assert d1["supports"] == ["PT-PBO1", "PT-A1"]
    assert d2["supports"] == ["PT-PBO2"]  # façade: on its anchor, not on PBO1's pole
    assert (d2["length_m"], d1["length_m"], t1["length_m"]) == (300.0, 600.0, 1000.0)
    assert t1["distance_m"] == 900.0 and t.length_m == pytest.approx(1900.0)


def test_trace_around_the_ring_when_the_short_arm_is_the_long_way(net):
    # PBO3 hangs on SRO2: the shortest way to the NRO is T3 (2 km) rather than T2 + T1 (2 km too, tie)
    t = trace(net.premises["AD-3-1"])
    cables = [h["code"] for h in t.hops if h["kind"] == "cable"]
    assert cables[0] == "CB-D3" and cables[1:] in (["CB-T3"], ["CB-T2", "CB-T1"])
    assert t.length_m == pytest.approx(600.0 + 2000.0)


def test_trace_of_premises_without_pbo_is_not_served(net):
    p = net.premises["AD-1-1"]
    Premises.objects.filter(pk=p.pk).update(pbo=None)
    net.network.bump_version()
    p.refresh_from_db()
    t = trace(p)
    assert not t.served and [h["kind"] for h in t.hops] == ["premises"]


def test_spof_ranking_and_threshold(net):
    ranked = single_points_of_failure(net.network)
    top = [(sp.kind, sp.code, sp.premises, sp.critical) for sp in ranked]
    # 6 premises incl. the hospital: segments and supports of D1, pole PT-PBO1, site SRO1
    six = {c for k, c, p, crit in top if p == 6}
    assert six == {"CM-D1a", "CM-D1b", "PT-A1", "PT-PBO1", "ST-SRO1"}
    assert top[0][2] == 9 and top[0][1] == "ST-NRO1"
    assert [p for _, _, p, _ in top] == sorted((p for _, _, p, _ in top), reverse=True)
    # the ring is not a single point of failure
    assert not {"CM-T1", "CM-T2", "CM-T3a", "CM-T3b", "PT-T3"} & {c for _, c, _, _ in top}
    # among the 3-premises ones, those cutting the town hall or the hospital come first
    threes = [(c, crit) for _, c, p, crit in top if p == 3]
    assert [crit for _, crit in threes] == sorted((crit for _, crit in threes), reverse=True)
    assert {c for _, c, p, _ in top if p >= 6} == six | {"ST-NRO1"}
    assert [sp.code for sp in single_points_of_failure(net.network, min_premises=7)] == ["ST-NRO1"]


def test_spof_agrees_with_impact(net):
    for sp in single_points_of_failure(net.network):
        kw = {"segment": "failed_segments", "support": "failed_supports", "site": "failed_sites"}[sp.kind]
        result = impact(net.network, **{kw: [sp.code]})
        assert (result.premises, result.households, result.businesses, result.critical) == (
            sp.premises, sp.households, sp.businesses, sp.critical)


def test_commune_report_by_hand(net):
    report = commune_resilience(net.network, "29232")
    km = {row["laying_mode"]: row["km"] for row in report["routes_km_by_laying_mode"]}
    # T1 1 km + D1a 0.3 aerial telecom; D1b 0.3 on power poles; D2 0.3 façade; D3b 0.3 direct
    # burial; T2, T3a, T3b (1 km each) and D3a 0.3 in conduit
    assert km == {"0": 1.3, "1": 0.3, "2": 0.3, "4": 0.3, "7": 3.3}
    assert report["routes_km_total"] == 5.5
    assert (report["premises"], report["households"], report["businesses"]) == (9, 18, 3)
    # D1a / D1b (aerial) cut PBO1 and PBO2; T1 is aerial but on the ring: 6 of 9
    assert report["aerial_dependency"]["premises"] == 6
    assert report["aerial_dependency"]["share"] == round(6 / 9, 4)
    assert report["overhead_dependency"]["premises"] == 6  # façade D2 adds nobody new
    top = report["top_single_points_of_failure"]
    assert top[0]["code"] == "ST-NRO1" and top[0]["premises_in_commune"] == 9
    assert [(c["code"], c["category"]) for c in report["critical_sites_single_path"]] == [
        ("AD-2-1", "hospital"), ("AD-3-1", "town_hall")]
    assert report["premises_per_pbo"] == {"pbo": 3, "min": 3, "max": 3, "mean": 3.0, "median": 3, "premises_without_pbo": 0}
    assert sum(row["premises"] for row in network_communes(net.network)) == 9


def test_commune_report_aggregates_only_hides_codes(net):
    report = commune_resilience(net.network, "29232", aggregates_only=True)
    assert report["critical_sites_single_path"] == {"count": 2, "by_category": {"hospital": 1, "town_hall": 1}}
    assert all("code" not in row for row in report["top_single_points_of_failure"])


def test_graph_is_cached_per_version(net):
    builds = graph_cache.builds
    first = get_service_graph(net.network)
    impact(net.network, failed_segments=["CM-D1a"])
    assert get_service_graph(net.network) is first
    assert graph_cache.builds == builds + 1
    net.network.bump_version()
    rebuilt = get_service_graph(net.network)
    assert rebuilt is not first and rebuilt.version == first.version + 1
    assert graph_cache.builds == builds + 2
    get_service_graph(net.network)
    assert graph_cache.builds == builds + 2
