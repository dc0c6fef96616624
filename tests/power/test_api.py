"""Power API: scoping, roles, error shape, raw storage first, audit."""
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from core.models import AuditEvent
from power.models import OutageRaw, OutageRawOutcome, PowerOutage, PowerSupply

pytestmark = pytest.mark.django_db

T = datetime(2026, 11, 2, 1, 10, tzinfo=dt_timezone.utc)
BODY = {"network": "net-a", "communes": ["29232"], "start": T.isoformat(), "source": "Enedis"}


def test_another_operator_sees_nothing_and_cannot_write(nro_supply, clients):
    other = clients["other"]
    assert other.get("/api/v1/networks/net-a/power/").status_code == 404
    assert other.patch("/api/v1/networks/net-a/power/sites/ST-NRO1/", {"battery_hours": 9}, format="json").status_code == 404
    r = other.post("/api/v1/power-outages/", BODY, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "network"
    clients["owner"].post("/api/v1/power-outages/", BODY, format="json")
    assert other.get("/api/v1/power-outages/").json()["results"] == []
    assert len(clients["operator"].get("/api/v1/power-outages/?network=net-a").json()["results"]) == 1


def test_viewer_reads_but_does_not_write(nro_supply, clients):
    viewer = clients["viewer"]
    assert viewer.get("/api/v1/networks/net-a/power/").status_code == 200
    r = viewer.patch("/api/v1/networks/net-a/power/sites/ST-NRO1/", {"battery_hours": 9}, format="json")
    assert r.status_code == 403 and "errors" in r.json()
    r = viewer.post("/api/v1/power-outages/", BODY, format="json")
    assert r.status_code == 403
    raw = OutageRaw.objects.get()
    assert raw.outcome == OutageRawOutcome.REJECTED  # kept, with why


def test_bad_input_is_a_clear_400_in_the_project_shape(nro_supply, clients):
    client = clients["owner"]
    cases = [
        ({**BODY, "communes": ["99999"]}, "communes.0"),
        ({**BODY, "start": "hier"}, "start"),
        ({"network": "net-a", "start": T.isoformat()}, "communes"),
        ({**BODY, "expected_end": (T - timedelta(hours=1)).isoformat()}, "expected_end"),
        ({"network": "net-a", "start": T.isoformat(), "geometry": {"type": "Point", "coordinates": [4, 48]}}, "geometry"),
    ]
    for body, path in cases:
        r = client.post("/api/v1/power-outages/", body, format="json")
        assert r.status_code == 400, (body, r.content)
        assert path in [e["path"] for e in r.json()["errors"]], r.json()
    r = client.post("/api/v1/power-outages/", b"{not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == ""
    assert PowerOutage.objects.count() == 0
    assert OutageRaw.objects.filter(outcome=OutageRawOutcome.REJECTED).count() == len(cases) + 1
    for body, path in [({"battery_hours": -1}, "battery_hours"), ({"generator": "nuclear"}, "generator"), ({}, "")]:
        r = client.patch("/api/v1/networks/net-a/power/sites/ST-NRO1/", body, format="json")
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == path, r.json()
    assert client.patch("/api/v1/networks/net-a/power/sites/NOPE/", {"battery_hours": 1}, format="json").status_code == 404
    assert client.get("/api/v1/networks/net-a/power/", {"at": "tomorrow"}).status_code == 400
    assert client.get("/api/v1/networks/net-a/power/dispatch/", {"horizon": "-3"}).status_code == 400


def test_raw_payload_stored_first_and_a_repeat_is_a_duplicate(nro_supply, clients):
    client = clients["owner"]
    first = client.post("/api/v1/power-outages/", {**BODY, "reference": "R1"}, format="json")
    again = client.post("/api/v1/power-outages/", {**BODY, "reference": "R1"}, format="json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    outcomes = list(OutageRaw.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [OutageRawOutcome.ACCEPTED, OutageRawOutcome.DUPLICATE]
    assert bytes(OutageRaw.objects.first().payload).startswith(b"{")
    assert PowerOutage.objects.get().raw_id == OutageRaw.objects.order_by("pk").first().pk


def test_patch_creates_a_supply_for_an_active_pm_and_is_audited(net, clients):
    r = clients["operator"].patch("/api/v1/networks/net-a/power/sites/ST-SRO1/",
                                  {"battery_hours": 2, "generator": "none", "mobile_connectable": True}, format="json")
    assert r.status_code == 200, r.content
    supply = PowerSupply.objects.get(site__code="ST-SRO1")
    assert supply.battery_hours == 2 and supply.network == net.network
    event = AuditEvent.objects.filter(object_id=str(supply.pk), content_type__model="powersupply").get()
    assert event.action == "create" and event.after["battery_hours"] == 2
    assert event.organisation == net.network.operator
    clients["owner"].patch("/api/v1/networks/net-a/power/sites/ST-SRO1/", {"battery_hours": 3}, format="json")
    update = AuditEvent.objects.filter(object_id=str(supply.pk), action="update").get()
    assert update.before["battery_hours"] == 2 and update.after["battery_hours"] == 3


def test_elected_official_gets_403(nro_supply, net, token_client):
    client, _ = token_client(net.network.owner, "elected_official", username="maire")
    assert client.get("/api/v1/networks/net-a/power/").status_code == 403
