"""The calibrated damage model (docs/damage-model.md): intensity read from the alert, and a Ciarán-like
red wind over a generated Breton network within the published bands."""
import json

import pytest
from django.core.management import call_command
from django.db import connection

from network.models import Departement, Network
from organisations.models import OrganisationKind
from resilience.models import Alert
from resilience.services.damage import validate_parameters
from resilience.services.exposure import run_exposure
from resilience.services.graph import graph_cache
from resilience.services.ingest import ingest_payload
from resilience.services.intensity import intensity_of

pytestmark = pytest.mark.django_db


def red_wind(network, gust_kmh=None, **props):
    geom = Departement.objects.get(code="29").geom.transform(4326, clone=True)
    properties = {"hazard": "wind", "level": 4, "network": network.slug, **props}
    if gust_kmh is not None:
        properties["gust_kmh"] = gust_kmh
    doc = {"type": "Feature", "geometry": json.loads(geom.json), "properties": properties}
    return ingest_payload(json.dumps(doc).encode(), "geojson", network=network).alerts[0]


@pytest.fixture
def breton(db, make_org):
    graph_cache.clear()
    make_org("dmg-syn", kind=OrganisationKind.SYNDICATE)
    call_command("generate_rip", network="dmg", departement="29", premises=3000, seed=7, owner="dmg-syn", verbosity=0)
    # fresh planner statistics for the rows generated inside the test's transaction (ANALYZE counts
    # them): an ANALYZE run by an earlier test on near-empty tables makes PostGIS joins crawl
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE network_routesegment, network_supportpoint, network_site, network_premises, network_node")
    return Network.objects.get(slug="dmg")


@pytest.mark.parametrize("gust", [150, 180, 200])
def test_red_wind_ciaran_gusts_damage_within_the_published_bands(breton, gust):
    alert = red_wind(breton, gust)
    assert intensity_of(alert).as_json() == {"quantity": "gust_kmh", "value": float(gust), "unit": "km/h",
                                             "source": "property"}
    run = run_exposure(alert, breton)
    t = run.totals
    assert t["poles_in_area"] > 1000 and t["premises_in_area"] > 2900  # a few premises on the coast lie outside the IGN polygon
    assert 0.003 <= t["expected_damaged_poles"] / t["poles_in_area"] <= 0.03
    assert 0.02 <= t["expected_premises_cut"] / t["premises_in_area"] <= 0.30
    # the worst case (every exposed asset fails) is kept beside: the whole network
    assert t["premises_cut"] == 3000
    # per commune: the same four figures, adding up to the network's
    rows = run.per_commune
    assert sum(r["poles_in_area"] for r in rows) == t["poles_in_area"]
    assert sum(r["expected_premises_cut"] for r in rows) == pytest.approx(t["expected_premises_cut"], rel=1e-3)
    assert all(r["expected_damaged_poles"] <= r["poles_in_area"] for r in rows)


def test_stronger_gusts_break_more(breton):
    low = run_exposure(red_wind(breton, 150, identifier="low"), breton).totals
    high = run_exposure(red_wind(breton, 200, identifier="high"), breton).totals
    assert high["expected_damaged_poles"] > 2 * low["expected_damaged_poles"]
    assert high["expected_premises_cut"] > low["expected_premises_cut"]


def test_exposure_endpoint_reports_the_damage_figures(breton, token_client):
    alert = red_wind(breton, 180)
    run_exposure(alert, breton)
    client, _ = token_client(breton.owner)
    body = client.get(f"/api/v1/alerts/{alert.pk}/exposure/", {"network": "dmg", "limit": 1}).json()
    for key in ("poles_in_area", "expected_damaged_poles", "premises_in_area", "expected_premises_cut"):
        assert body[key] == body["totals"][key] and key in body["per_commune"][0]
    assert client.get(f"/api/v1/alerts/{alert.pk}/").json()["intensity"]["value"] == 180.0


@pytest.mark.parametrize(("details", "headline", "expected"), [
    ({"parameters": {"rafales": "160 km/h"}}, "", (160.0, "parameter")),
    ({}, "Rafales de 130 à 170 km/h sur le littoral", (170.0, "text")),
    ({}, "Vent violent", (150.0, "default")),
    ({"properties": {"gust_kmh": 9999}}, "", (150.0, "default")),  # implausible: ignored
])
def test_wind_intensity_sources(details, headline, expected):
    alert = Alert(hazard="wind", level=4, details=details, headline=headline)
    found = intensity_of(alert)
    assert (found.value, found.source) == expected


def test_flood_and_rain_intensities():
    assert intensity_of(Alert(hazard="river_flood", level=3, details={"parameters": {"hauteur_eau": "1,2"}})).value == 1.2
    assert intensity_of(Alert(hazard="rain_flood", level=3, description="cumuls de 60 à 100 mm")).value == 100.0
    assert intensity_of(Alert(hazard="heat", level=3)) is None


def test_parameter_overrides_are_checked():
    assert validate_parameters({"wind": {"pole": {"ORANGE": 0.02}}}) == []
    errors = validate_parameters({"wind": {"pole": {"ORANGE": 2}, "colour": 1}, "snow": {}})
    assert sorted(errors) == ["snow: unknown parameter", "wind.colour: unknown parameter",
                              "wind.pole.ORANGE: a probability is at most 1"]
