"""Exposure of the small Quimper network (tests.builders) to drawn alerts: codes listed by hand."""
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from network.models import RouteSegment
from resilience.models import DamageModel, ExposureRun, ExposureStatus, FloodZone
from resilience.services.damage import DEFAULT_PARAMETERS, intensity_factor, pole_probability, segment_probability
from resilience.services.exposure import refresh_alert, run_exposure
from resilience.services.ingest import ingest_payload
from resilience.services.intensity import intensity_of
from tests.builders import ORIGIN, build_small_network
from webhooks.models import OutboxEvent

from .capdocs import area, box, cap, info

pytestmark = pytest.mark.django_db


def codes(run, kind):
    return sorted(run.exposed_assets.filter(kind=kind).values_list("code", flat=True))


def probabilities(run, kind):
    return dict(run.exposed_assets.filter(kind=kind).values_list("code", "probability"))


def span(family, cls, code, factor):
    """The damage model's probability for segment `code` (class `cls`) over its whole length."""
    return segment_probability(family["span_per_100m"][cls] * factor, RouteSegment.objects.get(code=code).length_m)


def test_orange_wind_over_the_north_east_exposes_aerial_and_facade_only():
    net = build_small_network()
    alert = ingest_payload(cap(), "cap").alerts[0]  # wind, orange, box x 500..1500, y -200..800
    [run] = refresh_alert(alert)
    assert run.network == net.network and run.network_version == net.network.version
    wind = DEFAULT_PARAMETERS["wind"]
    f = intensity_factor(wind, intensity_of(alert))
    assert intensity_of(alert).source == "default" and f > 0  # orange: 115 km/h by default
    segments = {"CM-T1": span(wind, "aerial_telecom", "CM-T1", f), "CM-D1a": span(wind, "aerial_telecom", "CM-D1a", f),
                "CM-D1b": span(wind, "aerial_power", "CM-D1b", f), "CM-D2": span(wind, "facade", "CM-D2", f)}
    assert probabilities(run, "segments") == pytest.approx(segments)
    assert segments["CM-T1"] > segments["CM-D1a"]  # 1 000 m of aerial line against 300 m
    pole = pole_probability(wind, f, "RIP", "") * wind["pole_cuts_cable"]
    supports = {"PT-A1": pole, "PT-PBO1": pole, "PT-PBO2": wind["facade_anchor"] * f}
    assert probabilities(run, "supports") == pytest.approx(supports)
    assert codes(run, "enclosures") == ["BP-PBO1", "BP-PBO2"]
    # a street cabinet (SRO) can be struck by a falling tree; CM-T2 (conduit) is in the box but safe
    assert probabilities(run, "sites") == pytest.approx({"ST-SRO1": wind["site"]["SRO"] * f})
    [quimper] = run.per_commune
    assert quimper["insee"] == "29232" and quimper["name"] == "Quimper"
    assert (quimper["segments"], quimper["supports"], quimper["enclosures"]) == (4, 3, 2)
    assert (quimper["premises"], quimper["units"], quimper["critical_premises"]) == (6, 14, 1)  # AD-2-1 hospital
    assert quimper["segments_length_m"] == 1000 + 300 + 300 + 300  # whole segments, not clipped
    assert run.totals["expected_failures"] == pytest.approx(sum(segments.values()) + sum(supports.values())
                                                            + wind["site"]["SRO"] * f, abs=1e-5)
    assert run.totals["poles_in_area"] == quimper["poles_in_area"] == 2
    assert run.totals["expected_damaged_poles"] == pytest.approx(2 * pole_probability(wind, f, "RIP", ""), abs=1e-4)
    assert run.totals["premises_in_area"] == quimper["premises_in_area"] == 6
    assert run.totals["expected_premises_cut"] == run.totals["premises_cut_expected"]  # tiny at orange: rounds to 0
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
    alert = ingest_payload(doc, "cap").alerts[0]
    [run] = refresh_alert(alert)
    flood = DEFAULT_PARAMETERS["flood"]
    f = intensity_factor(flood, intensity_of(alert))  # orange: 0.5 m of water by default
    chamber = flood["chamber"] * f
    assert probabilities(run, "supports") == pytest.approx({"PT-T3": chamber, "PT-C1": chamber, "PT-PBO3": chamber})
    assert probabilities(run, "segments") == pytest.approx({
        **{c: span(flood, "underground_conduit", c, f) for c in ("CM-T2", "CM-T3a", "CM-T3b", "CM-D3a")},
        "CM-D3b": span(flood, "direct_burial", "CM-D3b", f)})
    assert probabilities(run, "sites") == pytest.approx({"ST-SRO2": flood["site"]["SRO"] * f})
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


def test_matrix_is_editable_for_the_hazards_the_damage_model_does_not_cover():
    from resilience.models import VulnerabilityRule

    build_small_network()
    VulnerabilityRule.objects.filter(hazard="snow_ice", asset_class="facade").delete()
    VulnerabilityRule.objects.filter(hazard="snow_ice", asset_class="aerial_power", level=3).update(probability=0.5)
    [run] = refresh_alert(ingest_payload(cap(infos=[info(event="Neige", awareness="2; snow-ice")]), "cap").alerts[0])
    assert probabilities(run, "segments") == {"CM-T1": 0.08, "CM-D1a": 0.08, "CM-D1b": 0.5}
    assert run.totals["damage_model"] == "matrix"


def test_damage_model_is_editable_per_network_and_follows_the_gusts():
    net = build_small_network().network
    gusty = cap("VF-G", infos=[info().replace("<parameter><valueName>awareness_level", "<parameter><valueName>gust_kmh"
                                              "</valueName><value>180</value></parameter><parameter><valueName>awareness_level")])
    alert = ingest_payload(gusty, "cap").alerts[0]
    assert (intensity_of(alert).value, intensity_of(alert).source) == (180.0, "parameter")
    [run] = refresh_alert(alert)
    wind = DEFAULT_PARAMETERS["wind"]
    assert probabilities(run, "supports")["PT-A1"] == pytest.approx(wind["pole"]["RIP"] * wind["pole_cuts_cable"])
    DamageModel.objects.create(network=net, parameters={"wind": {"pole": {"RIP": 0.2}, "pole_cuts_cable": 1.0}})
    [run] = refresh_alert(alert)
    assert probabilities(run, "supports")["PT-A1"] == pytest.approx(0.2)
    assert run.totals["expected_damaged_poles"] == pytest.approx(0.4)
