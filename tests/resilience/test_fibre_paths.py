"""Fibre-level service paths (resilience/services/graph/fibre_paths.py) on the real v2 delivery
GraceTHD-Demo01 (one NRO, one SRO; made importable by tests/resilience/fibre_demo.py). Its `t_ropt`
holds 4 optical routes (rt_fo_ordr empty: the row order, PTO side first) serving the SUFs of 3
premises (AD…1330 twice, AD…1092, AD…1284); the 11 other premises have no route and keep the
cable-level answer, where the BPE at the SRO's foot joins the cables around the SRO."""
import csv

import numpy as np
import pytest

from network.models import Cable, Premises
from resilience.services.graph import (
    batch_impact, get_service_graph, graph_cache, impact as graph_impact, impact_ranges, model_summary, vertex_of_enclosure,
)
from resilience.services.graph.fibre_paths import FibrePaths
from resilience.services.impact import impact
from tests.resilience.fibre_demo import fibre_demo_delivery

NRO, SRO = "ST200180030001", "ST200180030008"
ROUTED = {"AD000180031330", "AD000180031092", "AD000180031284"}


def _import(tmp_path, make_org, edit=None):
    from network.services.gracethd import import_network

    graph_cache.clear()
    make_org("syn-demo")
    delivery = fibre_demo_delivery(tmp_path / "demo")
    if edit:
        edit(delivery)
    result = import_network(delivery, "demo", owner="syn-demo")
    assert not result.report.blocking
    return result.network


@pytest.fixture
def demo(db, tmp_path, make_org):
    return _import(tmp_path, make_org)


def codes(network, premises_ids):
    by_id = dict(Premises.objects.filter(network=network).values_list("pk", "code"))
    return {by_id[i] for i in premises_ids}


def cut(network, **failures):
    fast = impact(network, **failures)
    slow = impact(network, method="reachability", **failures)
    assert sorted(fast.premises_ids) == sorted(slow.premises_ids)
    return codes(network, fast.premises_ids)


def test_model_says_mixed_with_the_routed_premises(demo):
    graph = get_service_graph(demo)
    assert len(graph.premises_ids) == 14
    summary = model_summary(graph)
    assert summary["service_paths"] == "mixed" and summary["premises_with_fibre_path"] == 3
    assert summary["optical_routes"] == 4
    assert summary["dropped_routes"] == {"unknown_fibre": 0, "cable_not_in_network": 0, "no_premises": 0}
    has = graph.fibre.has_path
    assert {graph.premises_codes[i] for i in np.flatnonzero(has)} == ROUTED


def test_fibre_paths_hold_only_arrays_and_scalars(demo):
    fibre = get_service_graph(demo).fibre
    assert isinstance(fibre, FibrePaths)
    for name, value in vars(fibre).items():
        assert isinstance(value, (np.ndarray, int, float, np.integer)), name


def test_sro_cut_cuts_the_routed_premises_as_the_nro(demo):
    nro, sro = cut(demo, failed_sites=[NRO]), cut(demo, failed_sites=[SRO])
    assert sro & ROUTED == nro & ROUTED == ROUTED
    # without the routes the SRO is bypassed through the BPE at its foot: the others are not cut by it
    assert sro == ROUTED and len(nro) == 14


@pytest.mark.parametrize("segment, cable, users", [
    ("CM000180032958", "CB000180030329", {"AD000180031330"}),  # routes 1 and 2 (two SUFs of one address)
    ("CM000180032956", "CB000180030739", {"AD000180031092"}),  # route 3
    ("CM000180033570", "CB000180030007", ROUTED),  # the NRO trunk, on every route
])
def test_cutting_a_cable_cuts_exactly_the_routes_using_it(demo, segment, cable, users):
    hit = cut(demo, failed_segments=[segment])
    assert hit & ROUTED == users
    assert cable in impact(demo, failed_segments=[segment]).failed_cables


@pytest.mark.parametrize("cable, users", [
    ("CB000180030975", {"AD000180031330", "AD000180031092"}),
    ("CB000180030341", {"AD000180031284"}),
    ("CB001800300171", {"AD000180031330"}),  # a patch cord inside the SRO, route 1 only
])
def test_cable_without_route_segments_cut_by_its_edges(demo, cable, users):
    graph = get_service_graph(demo)
    edges = graph.cable_edges[graph.cable_code_index[cable]]
    hit = {graph.premises_codes[i] for i in graph_impact(graph, edges, [])}
    assert hit & ROUTED == users


def test_enclosure_on_the_route_cuts_its_premises(demo):
    from network.models import Enclosure

    graph = get_service_graph(demo)
    bpe = Enclosure.objects.get(network=demo, code="BP000180030976")  # BPE spliced on routes 1, 2 and 3
    hit = {graph.premises_codes[i] for i in graph_impact(graph, [], [vertex_of_enclosure(graph, bpe.pk)])}
    assert hit & ROUTED == {"AD000180031330", "AD000180031092"}


def test_batch_and_ranges_give_the_fibre_answer(demo):
    graph = get_service_graph(demo)
    segment = graph.segment_code_index["CM000180032958"]
    single = impact(demo, failed_segments=["CM000180032958"]).positions
    assert batch_impact(graph, [segment]).tolist() == single.tolist()
    site_vertex = graph.node_index[graph.site_node[graph.site_code_index[SRO]]]
    ranges = impact_ranges(graph, [], [site_vertex])
    assert graph.totals(ranges)[0] == 3
    assert sorted(i for a, b in ranges for i in range(a, b)) == graph_impact(graph, [], [site_vertex]).tolist()


def _edit_ropt(delivery):
    """Route 4's first fibre unknown in t_fibre, route 3's first fibre on a cable the import refused."""
    path = delivery / "t_ropt.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    for r in rows[1:]:
        if r[3] == "FO180034603001":
            r[3] = "FO999999999999"
        elif r[3] == "FO180034421001":
            r[3] = "FO180034416001"  # CB000180034416: no cb_nd1 / cb_nd2
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\n").writerows(rows)


def test_broken_routes_fall_back_and_are_counted(db, tmp_path, make_org):
    network = _import(tmp_path, make_org, _edit_ropt)
    assert not Cable.objects.filter(network=network, code="CB000180034416").exists()
    graph = get_service_graph(network)
    summary = model_summary(graph)
    assert summary["premises_with_fibre_path"] == 1 and summary["service_paths"] == "mixed"
    assert summary["dropped_routes"] == {"unknown_fibre": 1, "cable_not_in_network": 1, "no_premises": 0}
    # the dropped ones are back on the cable-level graph: the SRO is bypassed for them
    assert cut(network, failed_sites=[SRO]) == {"AD000180031330"}
    assert len(cut(network, failed_sites=[NRO])) == 14


def test_impact_api_shows_the_model(demo, token_client):
    client = token_client(demo.owner, "crisis_manager")[0]
    r = client.post("/api/v1/impact/", {"network": "demo", "sites": [SRO]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["figures"]["premises"] == 3
    assert r.json()["model"]["service_paths"] == "mixed"
    assert r.json()["model"]["premises_with_fibre_path"] == 3


def test_trace_of_each_routed_premises_is_its_optical_route(demo):
    from resilience.services.trace import trace

    for code in sorted(ROUTED):
        t = trace(Premises.objects.get(network=demo, code=code))
        assert t.model == "fibre" and t.served and t.nro == NRO, code
        sites = [h["code"] for h in t.hops if h["kind"] == "site"]
        assert SRO in sites and sites[-1] == NRO and sites.index(SRO) < sites.index(NRO)
        cables = [h for h in t.hops if h["kind"] == "cable"]
        assert all(h["fibre"].startswith("FO") for h in cables)
        assert cables[-1]["code"] == "CB001800302571" and cables[-2]["code"] == "CB001800300081"  # NRO patch cords
        enclosures = [h for h in t.hops if h["kind"] == "enclosure"]
        assert {"BP000180030714", "BP000180030091"} <= {h["code"] for h in enclosures}
        assert all(h["cassette"].startswith("CS") for h in enclosures)
    route1 = trace(Premises.objects.get(network=demo, code="AD000180031330"))
    assert route1.routes == ["RT000000000001", "RT000000000002"]
    assert [h["code"] for h in route1.hops if h["kind"] == "cable"][:3] == ["CB000180034417", "CB000180030329", "CB000180030975"]
    assert [s["code"] for h in route1.hops if h["kind"] == "cable" for s in h["segments"]][:1] == ["CM000180032958"]


def test_trace_api_and_unrouted_premises(demo, token_client):
    client = token_client(demo.owner, "crisis_manager")[0]
    r = client.get("/api/v1/premises/AD000180031284/trace/", {"network": "demo"})
    assert r.status_code == 200, r.content
    assert r.json()["model"] == "fibre" and SRO in [h["code"] for h in r.json()["hops"]]
    r = client.get("/api/v1/premises/AD000180031091/trace/", {"network": "demo"})
    assert r.status_code == 200 and r.json()["model"] == "cable-level" and r.json()["routes"] == []


def test_graph_with_routes_still_read_in_a_fixed_handful_of_queries(demo, django_assert_num_queries):
    from resilience.services.graph import ServiceGraph, load_rows

    with django_assert_num_queries(12):  # the 10 of a cable-level network, then routes' premises and elements
        graph = ServiceGraph(load_rows(demo))
    assert graph.fibre_path_premises == 3


def test_import_report_page_shows_the_service_model(demo, client, settings):
    from network.models import ImportRun
    from tests.frontend.conftest import make_user

    run = ImportRun.objects.create(network=demo, network_slug="demo", organisation=demo.owner,
                                   source="imports/demo.zip", state=ImportRun.State.SUCCEEDED)
    client.force_login(make_user("agent", demo.owner, "operator_agent"))
    settings.SERVICE_GRAPH_BUILD_IN_REQUEST = False
    graph_cache.clear()
    html = client.get(f"/imports/{run.pk}/rapport/").content.decode()
    assert "Graphe de desserte en cours de calcul." in html  # the page never builds the graph
    get_service_graph(demo)  # what the worker does after an import
    html = client.get(f"/imports/{run.pk}/rapport/").content.decode()
    assert "Mixte : routes optiques" in html and "3 locaux avec une route optique." in html
    assert "4 routes optiques lues." in html


def test_single_points_of_failure_use_the_routes(demo):
    from resilience.services.spof import single_points_of_failure

    table = {(sp.kind, sp.code): sp.premises for sp in single_points_of_failure(demo)}
    assert table[("site", SRO)] == 3 and table[("site", NRO)] == 14
    assert table[("segment", "CM000180032956")] >= 1  # route 3's own cable


def _without_ropt(delivery):
    (delivery / "t_ropt.csv").unlink()


def test_routes_walked_along_the_positions_when_t_ropt_is_missing(db, tmp_path, make_org):
    """The same real delivery without its t_ropt: each SUF's route is walked from its drop fibre
    up the splices (ps_2 → ps_1) to the NRO patch panel. The walk finds the fibres t_ropt lists,
    in its order, and one more on route RT000000000001: FO180030001001 (CB000180030001, spliced
    at TI000180030511 and CS001800307142 on that route's positions), which the delivered t_ropt
    leaves out (its rt_id 7 is missing)."""
    from resilience.services.graph.fibre_paths import read_routes
    from tests.resilience.fibre_demo import _dicts

    network = _import(tmp_path, make_org, _without_ropt)
    routes = read_routes(network.pk)
    walked: dict[str, list] = {}
    for rt, _seq, kind, _code, fo, _via in routes.elements:
        if kind == "cable":
            walked.setdefault(rt, []).append(fo)
    delivered: dict[str, list] = {}
    suf_of = {}
    for r in _dicts(fibre_demo_delivery(tmp_path / "again") / "t_ropt.csv"):
        delivered.setdefault(r["rt_code"], []).append(r["rt_fo_code"])
    for rt, fibres in delivered.items():
        suf_of[rt] = next(sf for sf, w in walked.items() if w[0] == fibres[0])
    assert len(walked) == len(delivered) == 4
    for rt, fibres in delivered.items():
        w = walked[suf_of[rt]]
        if rt == "RT000000000001":
            assert w == fibres[:6] + ["FO180030001001"] + fibres[6:]
        else:
            assert w == fibres, rt
    # each route is named by the SUF it serves (ps_preaff), which is one of its premises' SUFs
    premises_suf = dict(Premises.objects.filter(network=network).values_list("pk", "suf_code"))
    assert {rt for rt, _pid in routes.premises} == set(walked)
    assert {premises_suf[pid] for _rt, pid in routes.premises} <= set(walked)


def test_walked_routes_give_the_fibre_answer(db, tmp_path, make_org):
    network = _import(tmp_path, make_org, _without_ropt)
    graph = get_service_graph(network)
    summary = model_summary(graph)
    assert summary["service_paths"] == "mixed" and summary["premises_with_fibre_path"] == 3
    assert summary["optical_routes"] == 4
    assert {graph.premises_codes[i] for i in np.flatnonzero(graph.fibre.has_path)} == ROUTED
    sro, nro = cut(network, failed_sites=[SRO]), cut(network, failed_sites=[NRO])
    assert sro == ROUTED and len(nro) == 14
    from resilience.services.trace import trace

    t = trace(Premises.objects.get(network=network, code="AD000180031330"))
    assert t.model == "fibre" and t.nro == NRO and t.routes == ["SF000180031330", "SF001180031330"]
    cables = [h["code"] for h in t.hops if h["kind"] == "cable"]
    assert cables[:3] == ["CB000180034417", "CB000180030329", "CB000180030975"]
    assert "CB000180030001" in cables  # the fibre route 1's t_ropt leaves out


@pytest.mark.parametrize("edit", [None, _edit_ropt, _without_ropt], ids=["t_ropt", "broken-routes", "walked"])
def test_one_premises_routes_read_alone_are_those_of_the_whole_read(db, tmp_path, make_org, edit, django_assert_max_num_queries):
    """A trace reads only its premises' delivered rows (GIN look-ups), then the same joins as the
    whole network: for every premises of the real delivery (routed or not, routes delivered,
    broken or walked) the answer is the whole read's, restricted to it."""
    from resilience.services.graph.fibre_paths import read_routes, read_routes_of

    network = _import(tmp_path, make_org, edit)
    everything = read_routes(network.pk)
    routed = 0
    for pid in Premises.objects.filter(network=network).values_list("pk", flat=True):
        with django_assert_max_num_queries(40):
            alone = read_routes_of(network.pk, pid)
        kept = {rt for rt, p in everything.premises if p == pid}
        assert alone.premises == [(rt, p) for rt, p in everything.premises if p == pid], pid
        assert alone.elements == [r for r in everything.elements if r[0] in kept], pid
        routed += bool(alone.premises)
    assert routed == 3
