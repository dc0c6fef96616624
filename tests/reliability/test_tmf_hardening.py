"""TMF621 hardening: malformed ids and query parameters answer 400 in the TMF Error shape, never a 5xx;
v4 names, fields=, severity vocabularies, free ticketType, extension attributes; alert inputs that
used to raise (unknown XML encoding, GeoJSON coordinates GDAL refuses)."""
import json

import pytest

from tests.incidents.conftest import TT, clients, create_ticket, net, net_b, ticket_body  # noqa: F401 - fixtures
from tests.resilience.test_alerts_api import feature

pytestmark = pytest.mark.django_db


def assert_tmf_error(response, status=400):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert {"code", "reason", "message"} <= set(body) and body["code"] == str(status), body
    return body


@pytest.mark.parametrize("path", [
    f"{TT}/²", f"{TT}/١", f"{TT}/1x", f"{TT}/-1", f"{TT}/99999999999999999999", f"{TT}/1/attachment/1",
])
def test_non_ascii_or_malformed_ids_are_400(clients, create_ticket, path):
    create_ticket()
    response = clients["op"].get(path)
    if path.endswith("/attachment/1"):
        assert response.status_code in (404, 405), response.content[:200]
        return
    assert_tmf_error(response)


@pytest.mark.parametrize("query", [
    "offset=99999999999999999999", "offset=-1", "offset=١", "limit=0", "limit=abc",
    "creationDate.gt=2026-13-45", "creationDate.gt=2026-02-30T10:00:00", "creationDate.gt=2026-12-01T25:00:00",
    "lastUpdate.lt=2026-12-32", "creationDate.lt=0000-01-01", "status=nope", "severity=nope",
])
def test_malformed_query_parameters_are_400(clients, query):
    assert_tmf_error(clients["op"].get(f"{TT}?{query}"))


def test_hub_errors_use_the_tmf_shape(clients):
    body = assert_tmf_error(clients["op"].post("/tmf-api/troubleTicket/v4/hub", {"callback": "nope"}, format="json"))
    assert body["errors"]
    assert_tmf_error(clients["op"].get("/tmf-api/troubleTicket/v4/hub/not-a-uuid"))


def test_status_change_event_v4_name_is_accepted_as_alias():
    from webhooks.services.query import parse_query

    q = parse_query("eventType=TroubleTicketStatusChangeEvent")
    assert q.matches({"eventType": "TroubleTicketStateChangeEvent", "event": {}})


def test_fields_returns_only_requested_attributes_and_id(clients, create_ticket):
    ticket = create_ticket()
    body = clients["op"].get(f"{TT}/{ticket['id']}?fields=severity,status").json()
    assert set(body) == {"id", "severity", "status"}
    [row] = clients["op"].get(f"{TT}?fields=name").json()
    assert set(row) <= {"id", "name"} and "id" in row


@pytest.mark.parametrize("given, stored", [("High", "critical"), ("MEDIUM", "major"), ("low", "minor"),
                                           ("Critical", "critical"), ("minor", "minor")])
def test_severity_vocabularies(create_ticket, given, stored):
    assert create_ticket(severity=given)["severity"] == stored


def test_any_ticket_type_and_extension_attributes(clients, create_ticket):
    ticket = create_ticket(ticketType="Damage Report")
    assert ticket["ticketType"] == "Damage Report"
    assert create_ticket(ticketType="INCIDENT")["ticketType"] == "incident"
    assert ticket["@baseType"] == "TroubleTicket" and ticket["@type"] == "VigieFibreTroubleTicket"
    schema = clients["op"].get(ticket["@schemaLocation"].replace("http://testserver", ""))
    assert schema.status_code == 200 and "network" in schema.json()["properties"]
    filtered = clients["op"].get(f"{TT}?ticketType=Damage%20Report").json()
    assert [t["id"] for t in filtered] == [ticket["id"]]


def test_cap_with_unknown_encoding_is_400_naming_it(token_client, clients):

    from organisations.models import Organisation

    client, _ = token_client(Organisation.objects.get(slug="syn-a"))
    payload = b'<?xml version="1.0" encoding="UTF-9"?><alert/>'
    response = client.post("/api/v1/alerts/", data=payload, content_type="application/xml")
    assert response.status_code == 400, response.content[:300]
    assert "UTF-9" in response.json()["errors"][0]["reason"]


@pytest.mark.parametrize("geometry", [
    {"type": "Polygon", "coordinates": "notalist"},
    {"type": "Polygon", "coordinates": [[[1e308, 1e308], [1e308, -1e308], [-1e308, 1e308], [1e308, 1e308]]]},
    {"type": "Polygon", "coordinates": [[1, 2]]},
    {"type": "MultiPolygon", "coordinates": [5]},
    {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], "x", [0, 0]]]},
])
def test_geojson_geometries_gdal_refuses_are_400(token_client, clients, geometry):
    from organisations.models import Organisation

    client, _ = token_client(Organisation.objects.get(slug="syn-a"))
    doc = feature()
    doc["geometry"] = geometry
    response = client.post("/api/v1/alerts/", data=json.dumps(doc), content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"][0]["path"].startswith("geometry")
