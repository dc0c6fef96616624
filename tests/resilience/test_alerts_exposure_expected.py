"""Expected case of an exposure (probability-weighted impact), hand-computed on tests.builders."""
import pytest

from network.models import RouteSegment
from resilience.models import DamageModel
from resilience.services.exposure import refresh_alert
from resilience.services.ingest import ingest_payload
from resilience.services.intensity import intensity_of
from tests.builders import build_small_network

from .capdocs import area, box, cap, info

pytestmark = pytest.mark.django_db


def per_100m(p: float, code: str) -> float:
    """The per-100 m probability that makes segment `code` fail with p over its whole length."""
    length = RouteSegment.objects.get(code=code).length_m
    return 1 - (1 - p) ** (100 / length)


def test_orange_wind_expected_case_is_the_product_along_each_path():
    net = build_small_network().network
    alert = ingest_payload(cap(), "cap").alerts[0]  # orange wind over the north-east
    # a damage model whose figures at this alert's intensity are round numbers, to compute by hand
    DamageModel.objects.create(network=net, parameters={"wind": {
        "reference": {"gust_kmh": intensity_of(alert).value}, "threshold": {"gust_kmh": 0}, "exponent": 1,
        "pole": {"RIP": 0.10}, "pole_cuts_cable": 1.0, "facade_anchor": 0.05, "site": {"SRO": 0, "NRO": 0},
        "span_per_100m": {"aerial_telecom": per_100m(0.10, "CM-D1a"), "aerial_power": per_100m(0.15, "CM-D1b"),
                          "facade": per_100m(0.05, "CM-D2")}}})
    [run] = refresh_alert(alert)
    # PBO1 hangs under CB-D1: CM-D1a .10, CM-D1b .15 and the poles carrying them, PT-A1 .10 and PT-PBO1 .10.
    # SRO1 stays fed whatever happens to CM-T1 (.10): the conduit arm T3-T2 of the ring is not exposed.
    pbo1 = 1 - 0.9 * 0.85 * 0.9 * 0.9  # 0.38035
    # PBO2 is below PBO1 and CB-D2: CM-D2 (façade) .05 and its façade anchor PT-PBO2 .05
    pbo2 = 1 - 0.9 * 0.85 * 0.9 * 0.9 * 0.95 * 0.95  # 0.44077
    expected = run.impact["expected"]
    assert expected["premises"] == pytest.approx(3 * pbo1 + 3 * pbo2, abs=0.01)
    assert expected["criticalSitesAtRisk"] == [
        {"code": "AD-2-1", "category": "hospital", "commune": "29232", "probability": round(pbo2, 4)}]
    assert expected["critical_sites"] == pytest.approx(pbo2, abs=1e-4)
    [quimper] = run.per_commune
    assert quimper["premises_cut"] == 6 and quimper["premises_cut_expected"] == pytest.approx(3 * pbo1 + 3 * pbo2, abs=0.01)
    assert run.totals["premises_cut"] == 6
    assert expected["method"]["seed"] == 6  # fixed: the same run gives the same figures


def flood_model(net, alert, **values):
    """A flood damage model giving exactly `values` at this alert's intensity."""
    return DamageModel.objects.create(network=net, parameters={"flood": {
        "reference": {"water_m": intensity_of(alert).value}, "threshold": {"water_m": 0}, "exponent": 1,
        "max_probability": 1.0, **values}})


def test_certain_failures_make_the_expected_case_the_worst_case():
    net = build_small_network().network
    doc = cap(infos=[info(event="Crue", level="3; orange; Severe", awareness="12; flooding",
                          areas=[area(polygon=box(-200, -1200, 1700, -800))])])
    alert = ingest_payload(doc, "cap").alerts[0]
    flood_model(net, alert, chamber=1.0, site={"SRO": 1.0, "NRO": 1.0},
                span_per_100m={"direct_burial": 1.0, "underground_conduit": 1.0})
    [run] = refresh_alert(alert)
    # SRO2 flooded for sure (inside the ring: Monte-Carlo, deterministic at p = 1) cuts PBO3
    assert run.impact["premises"] == 3
    assert run.impact["expected"]["premises"] == pytest.approx(3.0)
    assert run.impact["expected"]["criticalSitesAtRisk"][0]["code"] == "AD-3-1"
    assert run.impact["expected"]["criticalSitesAtRisk"][0]["probability"] == 1.0


def test_flood_in_the_ring_is_estimated_below_the_worst_case():
    net = build_small_network().network
    doc = cap(infos=[info(event="Crue", level="3; orange; Severe", awareness="12; flooding",
                          areas=[area(polygon=box(-200, -1200, 1700, -800))])])
    alert = ingest_payload(doc, "cap").alerts[0]
    flood_model(net, alert, chamber=0.20, site={"SRO": 0.20, "NRO": 0.20},
                span_per_100m={"direct_burial": per_100m(0.05, "CM-D3b"), "underground_conduit": per_100m(0.02, "CM-D3a")})
    [run] = refresh_alert(alert)
    # PBO3: SRO2 site .20 (Monte-Carlo in the ring), then CB-D3: CM-D3a .02, CM-D3b .05, PT-C1 .20, PT-PBO3 .20
    tree = 1 - 0.98 * 0.95 * 0.8 * 0.8
    p = run.impact["expected"]["criticalSitesAtRisk"][0]["probability"]
    assert 1 - (1 - tree) * 0.85 < p < 1 - (1 - tree) * 0.75  # SRO2 reached ~80 % of the 200 draws
    assert run.impact["expected"]["premises"] < run.impact["premises"]
