"""Exposure of the small Quimper network (tests.builders) to drawn alerts: codes listed by hand."""
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from resilience.models import ExposureRun, ExposureStatus, FloodZone
from resilience.services.exposure import refresh_alert, run_exposure
from resilience.services.ingest import ingest_payload
from tests.builders import ORIGIN, build_small_network
from webhooks.models import OutboxEvent

from .capdocs import area, box, cap, info

pytestmark = pytest.mark.django_db


def codes(run, kind):
    return sorted(a["code"] for a in run.assets[kind])


def probabilities(run, kind):
    return {a["code"]: a["probability"] for a in run.assets[kind]}


def test_orange_wind_over_the_north_east_exposes_aerial_and_facade_only():
    net = build_small_network()
    alert = ingest_payload(cap(), "cap").alerts[0]  # wind, orange, box x 500..1500, y -200..800
    [run] = refresh_alert(alert)
    assert run.network == net.network and run.network_version == net.network.version
    assert probabilities(run, "segments") == {"CM-T1": 0.10, "CM-D1a": 0.10, "CM-D1b": 0.15, "CM-D2": 0.05}
    assert probabilities(run, "supports") == {"PT-A1": 0.10, "PT-PBO1": 0.10, "PT-PBO2": 0.05}
    assert codes(run, "enclosures") == ["BP-PBO1", "BP-PBO2"]
    assert codes(run, "sites") == []  # wind does not threaten sites; CM-T2 (conduit) is in the box but safe
    [quimper] = run.per_commune
    assert quimper["insee"] == "29232" and quimper["name"] == "Quimper"
    assert (quimper["segments"], quimper["supports"], quimper["enclosures"]) == (4, 3, 2)
    assert (quimper["premises"], quimper["units"], quimper["critical_premises"]) == (6, 14, 1)  # AD-2-1 hospital
    assert quimper["segments_length_m"] == 1000 + 300 + 300 + 300  # whole segments, not clipped
    assert run.totals["expected_failures"] == pytest.approx(0.10 + 0.10 + 0.15 + 0.05 + 0.10 + 0.10 + 0.05)
    # If every exposed asset failed: D1/D2 cut PBO1 and PBO2 (the ring arm CM-T1 alone cuts nobody)
    assert (run.impact["premises"], run.impact["households"], run.impact["critical_sites"]) == (6, 12, 1)
    assert [c["code"] for c in run.impact["criticalSites"]] == ["AD-2-1"]
    assert "premisesCodes" not in run.impact  # figures only: the premises list is paged by /api/v1/impact/
    event = OutboxEvent.objects.get(event_type="exposure.computed")
    assert sorted(event.organisation_ids) == sorted([net.network.owner_id, net.network.operator_id])


def test_flood_in_the_south_exposes_chambers_burial_conduits_and_sites():
    build_small_network()
    doc = cap(infos=[info(event="Crue", level="3; orange; Severe", awareness="12; flooding",
                          areas=[area(polygon=box(-200, -1200, 1700, -800))])])
    [run] = refresh_alert(ingest_payload(doc, "cap").alerts[0])
    assert probabilities(run, "supports") == {"PT-T3": 0.20, "PT-C1": 0.20, "PT-PBO3": 0.20}
    assert probabilities(run, "segments") == {"CM-T2": 0.02, "CM-T3a": 0.02, "CM-T3b": 0.02, "CM-D3a": 0.02, "CM-D3b": 0.05}
    assert codes(run, "sites") == ["ST-SRO2"] and codes(run, "enclosures") == ["BP-PBO3"]
    assert run.totals["flood_zones_used"] is False
    # SRO2 flooded cuts PBO3; both ring arms T2/T3 under water still leave SRO1 fed by T1
    assert (run.impact["premises"], [c["code"] for c in run.impact["criticalSites"]]) == (3, ["AD-3-1"])


def test_flood_zone_layer_narrows_flood_exposure():
    build_small_network()
    zone = Polygon.from_bbox((ORIGIN[0] + 1200, ORIGIN[1] - 1100, ORIGIN[0] + 1700, ORIGIN[1] - 900))
    zone.srid = 2154
    FloodZone.objects.create(dataset="test", hazard="river_flood", geom=MultiPolygon(zone, srid=2154))
    doc = cap(infos=[info(event="Crue", awareness="12; flooding", areas=[area(polygon=box(-200, -1200, 1700, -800))])])
    [run] = refresh_alert(ingest_payload(doc, "cap").alerts[0])
    assert codes(run, "supports") == ["PT-C1", "PT-PBO3"] and codes(run, "sites") == []
    assert codes(run, "segments") == ["CM-D3a", "CM-D3b"]
    assert run.totals["flood_zones_used"] is True


def test_rerun_supersedes_and_cancel_retires_the_run():
    build_small_network()
    alert = ingest_payload(cap("VF-X"), "cap").alerts[0]
    first = refresh_alert(alert)[0]
    second = run_exposure(alert, first.network)
    assert ExposureRun.objects.get(pk=first.pk).status == ExposureStatus.SUPERSEDED
    ingest_payload(cap("VF-Y", msg_type="Cancel", infos=[], references="vigilance@meteo.fr,VF-X,2030-01-01T10:00:00+01:00"), "cap")
    alert.refresh_from_db()
    assert refresh_alert(alert) == []
    assert ExposureRun.objects.get(pk=second.pk).status == ExposureStatus.SUPERSEDED


def test_alert_elsewhere_concerns_no_network():
    build_small_network()
    doc = cap(infos=[info(areas=[area(desc="Manche", geocodes=[("NUTS3", "FRD12")])])])
    assert refresh_alert(ingest_payload(doc, "cap").alerts[0]) == []


def test_matrix_is_editable():
    from resilience.models import VulnerabilityRule

    build_small_network()
    VulnerabilityRule.objects.filter(hazard="wind", asset_class="facade").delete()
    VulnerabilityRule.objects.filter(hazard="wind", asset_class="aerial_power", level=3).update(probability=0.5)
    [run] = refresh_alert(ingest_payload(cap(), "cap").alerts[0])
    assert probabilities(run, "segments") == {"CM-T1": 0.10, "CM-D1a": 0.10, "CM-D1b": 0.5}
