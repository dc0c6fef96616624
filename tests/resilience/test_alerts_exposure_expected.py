"""Expected case of an exposure (probability-weighted impact), hand-computed on tests.builders."""
import pytest

from resilience.models import VulnerabilityRule
from resilience.services.exposure import refresh_alert
from resilience.services.ingest import ingest_payload
from tests.builders import build_small_network

from .capdocs import area, box, cap, info

pytestmark = pytest.mark.django_db


def test_orange_wind_expected_case_is_the_product_along_each_path():
    build_small_network()
    [run] = refresh_alert(ingest_payload(cap(), "cap").alerts[0])  # orange wind over the north-east
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


def test_certain_failures_make_the_expected_case_the_worst_case():
    build_small_network()
    VulnerabilityRule.objects.filter(hazard="river_flood", level=3).update(probability=1.0)
    doc = cap(infos=[info(event="Crue", level="3; orange; Severe", awareness="12; flooding",
                          areas=[area(polygon=box(-200, -1200, 1700, -800))])])
    [run] = refresh_alert(ingest_payload(doc, "cap").alerts[0])
    # SRO2 flooded for sure (inside the ring: Monte-Carlo, deterministic at p = 1) cuts PBO3
    assert run.impact["premises"] == 3
    assert run.impact["expected"]["premises"] == pytest.approx(3.0)
    assert run.impact["expected"]["criticalSitesAtRisk"][0]["code"] == "AD-3-1"
    assert run.impact["expected"]["criticalSitesAtRisk"][0]["probability"] == 1.0


def test_flood_in_the_ring_is_estimated_below_the_worst_case():
    build_small_network()
    doc = cap(infos=[info(event="Crue", level="3; orange; Severe", awareness="12; flooding",
                          areas=[area(polygon=box(-200, -1200, 1700, -800))])])
    [run] = refresh_alert(ingest_payload(doc, "cap").alerts[0])
    # PBO3: SRO2 site .20 (Monte-Carlo in the ring), then CB-D3: CM-D3a .02, CM-D3b .05, PT-C1 .20, PT-PBO3 .20
    tree = 1 - 0.98 * 0.95 * 0.8 * 0.8
    p = run.impact["expected"]["criticalSitesAtRisk"][0]["probability"]
    assert 1 - (1 - tree) * 0.85 < p < 1 - (1 - tree) * 0.75  # SRO2 reached ~80 % of the 200 draws
    assert run.impact["expected"]["premises"] < run.impact["premises"]
