"""Alerts API: push CAP / GeoJSON, error shapes, filters, visibility, exposure scoping."""
import json

import pytest
from django.test import override_settings

from organisations.models import OrganisationKind
from resilience.models import Alert, RawMessage, RawOutcome
from resilience.services.exposure import refresh_alert
from tests.builders import build_small_network

from .capdocs import area, box, cap, info

pytestmark = pytest.mark.django_db


def feature(**props):
    base = {"hazard": "wind", "level": 3}
    base.update(props)
    from .capdocs import latlon

    ring = [list(map(float, reversed(latlon(dx, dy).split(",")))) for dx, dy in
            ((500, -200), (1500, -200), (1500, 800), (500, 800), (500, -200))]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": base}


@pytest.fixture
def net():
    return build_small_network()


def test_post_cap_xml_creates_a_public_alert(token_client, net):
    client, _ = token_client(net.network.owner)
    response = client.post("/api/v1/alerts/", data=cap(), content_type="application/xml")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["alert"]["hazard"] == "wind" and body["alert"]["level"] == 3
    assert body["alert"]["area"]["type"] == "MultiPolygon"
    assert RawMessage.objects.get(pk=body["raw_message"]).outcome == RawOutcome.ACCEPTED
    again = client.post("/api/v1/alerts/", data=cap(), content_type="application/xml")
    assert again.status_code == 200 and again.json()["duplicate"] is True


@pytest.mark.parametrize("payload, content_type, status, path, words", [
    (b"not xml at all", "application/xml", 400, "", "XML"),
    (cap(infos=[info(areas=[area(polygon=box(0, 0, 9, 9, closed=False))])]), "application/xml", 400,
     "info.0.area.0.polygon.0", "non fermé"),
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "application/xml", 400, "", "DOCTYPE"),
    (json.dumps(feature(level=7)).encode(), "application/json", 400, "properties.level", "1"),
    (json.dumps(feature(hazard="meteor")).encode(), "application/json", 400, "properties.hazard", "meteor"),
    (json.dumps(feature(expires="2001-01-01T00:00:00+00:00")).encode(), "application/json", 400, "properties.expires", "expirée"),
    (b"{", "application/json", 400, "", "JSON"),
    (b"x", "text/plain", 415, "Content-Type", "text/plain"),
])
def test_bad_input_shapes(token_client, net, payload, content_type, status, path, words):
    client, _ = token_client(net.network.owner)
    response = client.post("/api/v1/alerts/", data=payload, content_type=content_type)
    assert response.status_code == status
    [error] = response.json()["errors"]
    assert error["path"] == path and words in error["reason"]
    if status == 400:
        assert RawMessage.objects.get().outcome == RawOutcome.REJECTED
    assert not Alert.objects.exists()


@override_settings(ALERTS_MAX_PAYLOAD_BYTES=500)
def test_too_large_is_413(token_client, net):
    client, _ = token_client(net.network.owner)
    response = client.post("/api/v1/alerts/", data=cap(), content_type="application/xml")
    assert response.status_code == 413 and response.json()["errors"][0]["path"] == ""
    raw = RawMessage.objects.get()
    assert raw.outcome == RawOutcome.REJECTED and raw.size == len(cap()) and len(bytes(raw.payload)) == 500


def test_cap_pushed_by_an_organisation_is_its_own(token_client, net, make_org):
    client, _ = token_client(net.network.owner)
    alert_id = client.post("/api/v1/alerts/", data=cap(), content_type="application/xml").json()["alert"]["id"]
    other, _ = token_client(make_org("oi-b", kind=OrganisationKind.OPERATOR))
    assert other.get(f"/api/v1/alerts/{alert_id}/").status_code == 404


def test_viewer_cannot_push(token_client, net):
    client, _ = token_client(net.network.owner, role="viewer")
    assert client.post("/api/v1/alerts/", data=cap(), content_type="application/xml").status_code == 403


def test_manual_geojson_alert_belongs_to_its_organisation(token_client, net, make_org):
    client, _ = token_client(net.network.operator, role="operator_agent")
    response = client.post("/api/v1/alerts/", data=feature(network=net.network.slug, headline="Tempête"), format="json")
    assert response.status_code == 201, response.json()
    alert = Alert.objects.get()
    assert alert.source == "manual" and alert.organisation == net.network.operator and alert.network == net.network
    other, _ = token_client(make_org("oi-b", kind=OrganisationKind.OPERATOR), role="crisis_manager")
    assert other.get(f"/api/v1/alerts/{alert.pk}/").status_code == 404
    assert other.get("/api/v1/alerts/").json()["count"] == 0
    assert client.get(f"/api/v1/alerts/{alert.pk}/").status_code == 200


def test_departement_scoped_feature_without_geometry(token_client, net):
    client, _ = token_client(net.network.owner)
    response = client.post("/api/v1/alerts/", format="json", data={
        "type": "Feature", "geometry": None, "properties": {"hazard": "snow_ice", "level": 2, "departement": "29"}})
    assert response.status_code == 201, response.json()
    assert response.json()["alert"]["departements"] == ["29"]
    bad = client.post("/api/v1/alerts/", format="json", data={
        "type": "Feature", "geometry": None, "properties": {"hazard": "snow_ice", "level": 2, "network": "nope"}})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "properties.network"


def test_list_filters(token_client, net):
    client, _ = token_client(net.network.owner)
    client.post("/api/v1/alerts/", data=cap("A1"), content_type="application/xml")
    client.post("/api/v1/alerts/", data=cap("A2", infos=[info(event="Orages", awareness="3; Thunderstorm",
                                                              level="2; yellow; Moderate")]), content_type="application/xml")
    def ids(query):
        return sorted(a["identifier"] for a in client.get(f"/api/v1/alerts/?{query}").json()["results"])
    assert ids("") == ["A1", "A2"]
    assert ids("hazard=wind") == ["A1"] and ids("level=2") == ["A2"] and ids("source=cap") == ["A1", "A2"]
    assert ids("active=true") == ["A1", "A2"] and ids("active=false") == []
    assert ids("source=vigilance") == []


def test_exposure_endpoint_and_scoping(token_client, net, make_org):
    from resilience.services.ingest import ingest_payload

    client, _ = token_client(net.network.owner)
    alert_id = ingest_payload(cap(), "cap").alerts[0].pk  # from a public feed: public information
    pending = client.get(f"/api/v1/alerts/{alert_id}/exposure/?network={net.network.slug}")
    assert pending.status_code == 202
    refresh_alert(Alert.objects.get(pk=alert_id))
    response = client.get(f"/api/v1/alerts/{alert_id}/exposure/?network={net.network.slug}")
    assert response.status_code == 200
    body = response.json()
    assert body["per_commune"][0]["insee"] == "29232" and body["stale"] is False
    assert "features" not in body["assets"] and body["assets"]["count"] == sum(
        body["totals"][k] for k in ("segments", "supports", "sites", "enclosures"))
    page = client.get(body["assets"]["href"] + "&kind=segments").json()
    assert sorted(f["properties"]["code"] for f in page["features"]) == ["CM-D1a", "CM-D1b", "CM-D2", "CM-T1"]
    other, _ = token_client(make_org("oi-b", kind=OrganisationKind.OPERATOR))
    assert other.get(f"/api/v1/alerts/{alert_id}/").status_code == 200  # a public alert
    assert other.get(f"/api/v1/alerts/{alert_id}/exposure/?network={net.network.slug}").status_code == 404
    assert other.get(f"/api/v1/alerts/{alert_id}/exposure/assets/?network={net.network.slug}").status_code == 404
    elected, _ = token_client(net.network.owner, role="elected_official")
    aggregate = elected.get(f"/api/v1/alerts/{alert_id}/exposure/?network={net.network.slug}").json()
    assert "assets" not in aggregate and aggregate["totals"]["segments"] == 4
    assert elected.get(f"/api/v1/alerts/{alert_id}/exposure/assets/?network={net.network.slug}").status_code == 403


def test_exposure_of_an_alert_elsewhere_is_empty_not_pending(token_client, net):
    from resilience.services.ingest import ingest_payload

    client, _ = token_client(net.network.owner)
    alert = ingest_payload(cap(infos=[info(areas=[area(desc="Manche", geocodes=[("NUTS3", "FRD12")])])]), "cap").alerts[0]
    response = client.get(f"/api/v1/alerts/{alert.pk}/exposure/?network={net.network.slug}")
    assert response.status_code == 200 and response.json()["status"] == "none"
    assert response.json()["assets"]["count"] == 0
