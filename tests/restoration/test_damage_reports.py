"""Field damage reports: filing (scoped: an elected official in their own commune only), grouping,
triage into a ticket with the nearest assets, dismissal with a reason, audit."""
import io

import pytest
from django.contrib.gis.geos import Point

from core.models import AuditEvent
from incidents.models import TroubleTicket
from organisations.models import OrganisationKind
from restoration.models import DamageReport
from tests.builders import ORIGIN, build_small_network

pytestmark = pytest.mark.django_db

BREST = {"type": "Point", "coordinates": [-4.486, 48.390]}


def near(dx, dy):
    """GeoJSON Point dx, dy metres from the test network's origin (Quimper)."""
    p = Point(ORIGIN[0] + dx, ORIGIN[1] + dy, srid=2154)
    p.transform(4326)
    return {"type": "Point", "coordinates": [p.x, p.y]}


@pytest.fixture
def setting(token_client, make_org):
    net = build_small_network()
    quimper = make_org("quimper", kind=OrganisationKind.COMMUNE, insee_code="29232")
    mayor, _ = token_client(quimper, role="elected_official", username="maire")
    cell, _ = token_client(net.network.owner, role="crisis_manager", username="cellule")
    return net.network, mayor, cell


def report(client, location, kind="pole_down", comment="poteau couché sur la route", network="net-a"):
    return client.post("/api/v1/damage-reports/", {"network": network, "kind": kind, "location": location,
                                                   "comment": comment}, format="json")


def test_elected_official_reports_in_own_commune_only(setting):
    _network, mayor, _cell = setting
    r = report(mayor, near(1010, 310))  # next to the pole PT-A1, in Quimper
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["commune"] == "29232" and body["status"] == "new" and body["organisation"] == "quimper"
    assert body["location"]["coordinates"][0] == pytest.approx(near(1010, 310)["coordinates"][0], abs=1e-6)
    elsewhere = report(mayor, BREST)
    assert elsewhere.status_code == 403 and elsewhere.json()["errors"][0]["path"] == "location"
    assert DamageReport.objects.count() == 1
    assert AuditEvent.objects.filter(content_type__model="damagereport", action="create").count() == 1


def test_bad_input_is_a_clear_400(setting):
    _network, mayor, cell = setting
    assert report(cell, near(0, 0), kind="tree").json()["errors"][0]["path"] == "kind"
    assert report(cell, {"type": "Point", "coordinates": ["x", 1]}).json()["errors"][0]["path"] == "location.coordinates"
    assert report(cell, near(0, 0), network="nope").status_code == 400
    photo = mayor.post("/api/v1/damage-reports/", {"network": "net-a", "kind": "cable_down",
                                                   "location": '{"type": "Point", "coordinates": [-4.1, 47.99]}',
                                                   "photo": io.BytesIO(b"not an image")}, format="multipart")
    assert photo.status_code == 400 and photo.json()["errors"][0]["path"] == "photo"


def test_crisis_cell_turns_a_group_of_reports_into_one_ticket(setting):
    network, mayor, cell = setting
    first = report(mayor, near(1010, 310)).json()
    second = report(cell, near(1000, 590), kind="cable_down", comment="câble au sol").json()  # 280 m away: own group
    third = report(cell, near(1020, 330), comment="même poteau").json()  # 30 m from the first: its group
    assert third["group"] == first["id"] and second["group"] == second["id"]
    assert mayor.post(f"/api/v1/damage-reports/{first['id']}/ticket/").status_code == 403  # only the crisis cell
    r = cell.post(f"/api/v1/damage-reports/{first['id']}/ticket/")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["relatedEntity"] == [{"id": "PT-A1", "@referredType": "SupportPoint"}]
    assert sorted(body["reports"]) == sorted([first["id"], third["id"]])
    ticket = TroubleTicket.objects.get(pk=body["ticket"])
    assert ticket.network == network and ticket.impact["premises"] == 6  # PT-A1 carries D1a/D1b: PBO1 + PBO2
    assert ticket.notes.count() == 2
    assert cell.post(f"/api/v1/damage-reports/{first['id']}/ticket/").status_code == 409
    assert cell.get(f"/api/v1/damage-reports/{first['id']}/").json()["status"] == "ticketed"
    # the cable report: nearest aerial route is CM-D1b (A1 → PBO1)
    assert cell.post(f"/api/v1/damage-reports/{second['id']}/dismiss/", {}, format="json").status_code == 400
    dismissed = cell.post(f"/api/v1/damage-reports/{second['id']}/dismiss/", {"reason": "doublon"}, format="json")
    assert dismissed.status_code == 200 and dismissed.json()["dismissed_reason"] == "doublon"
    assert AuditEvent.objects.filter(content_type__model="damagereport", action="update").count() == 3


def test_reports_are_scoped(setting, token_client, make_org):
    _network, mayor, _cell = setting
    report(mayor, near(1010, 310))
    stranger, _ = token_client(make_org("other-syn"))
    assert stranger.get("/api/v1/damage-reports/").json()["count"] == 0
    assert report(stranger, near(1010, 310)).status_code == 400  # an unknown network to them
    assert mayor.get("/api/v1/damage-reports/").json()["count"] == 1
