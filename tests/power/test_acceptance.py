"""The acceptance of issue 15 through the API: an NRO with 4 h of battery inside a declared outage
starting at T is predicted dark at T + 4 h, cutting the premises it serves; connecting a generator
to it removes that prediction."""
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

pytestmark = pytest.mark.django_db

T = datetime(2026, 11, 2, 1, 10, tzinfo=dt_timezone.utc)  # Ciarán's night


def declare_outage(client, **extra):
    body = {"network": "net-a", "communes": ["29232"], "start": T.isoformat(), "source": "Enedis",
            "reference": "INC-1", **extra}
    return client.post("/api/v1/power-outages/", body, format="json")


def site(client, code, at):
    answer = client.get("/api/v1/networks/net-a/power/", {"at": at.isoformat()})
    assert answer.status_code == 200, answer.content
    return next(s for s in answer.json()["sites"] if s["code"] == code), answer.json()


def test_nro_on_battery_goes_dark_after_four_hours_then_generator_removes_it(nro_supply, clients):
    client = clients["owner"]
    r = declare_outage(client)
    assert r.status_code == 201, r.content
    assert r.json()["communes"] == ["29232"]

    before, _ = site(client, "ST-NRO1", T - timedelta(minutes=5))
    assert before["state"] == "on_grid"
    assert before["dark_at"] == (T + timedelta(hours=4)).isoformat()

    during, state = site(client, "ST-NRO1", T + timedelta(hours=1))
    assert during["state"] == "on_battery"
    assert during["since"] == T.isoformat()
    assert during["dark_at"] == (T + timedelta(hours=4)).isoformat()
    assert during["premises_cut"] == 9  # the builder network's NRO serves all 9 premises
    assert during["households_cut"] == 18 and during["businesses_cut"] == 3 and during["critical_sites_cut"] == 2
    assert during["communes"] == [{"insee": "29232", "name": "Quimper", "premises": 9, "households": 18,
                                   "businesses": 3, "critical": 2}]
    assert state["timeline"][0]["code"] == "ST-NRO1"
    # the SROs have no supply row: passive here, not listed
    assert [s["code"] for s in state["sites"]] == ["ST-NRO1"]

    after, state = site(client, "ST-NRO1", T + timedelta(hours=4, minutes=1))
    assert after["state"] == "dark"
    assert state["totals"]["dark"] == 1 and state["totals"]["premises_cut_now"] == 9

    r = client.patch("/api/v1/networks/net-a/power/sites/ST-NRO1/", {"generator": "connected"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["generator"] == "connected"
    connected, state = site(client, "ST-NRO1", T + timedelta(hours=5))
    assert connected["state"] == "on_generator"
    assert connected["dark_at"] is None and connected["premises_cut"] == 0
    assert state["timeline"] == [] and state["totals"]["premises_cut_predicted"] == 0


def test_fixed_generator_adds_its_fuel_to_the_batteries(nro_supply, clients):
    client = clients["owner"]
    r = client.patch("/api/v1/networks/net-a/power/sites/ST-NRO1/",
                     {"generator": "fixed", "fuel_hours": 10, "battery_hours": 2}, format="json")
    assert r.status_code == 200, r.content
    declare_outage(client)
    on_gen, _ = site(client, "ST-NRO1", T + timedelta(hours=9))
    assert on_gen["state"] == "on_generator" and on_gen["dark_at"] == (T + timedelta(hours=12)).isoformat()
    on_bat, _ = site(client, "ST-NRO1", T + timedelta(hours=11))
    assert on_bat["state"] == "on_battery" and on_bat["since"] == (T + timedelta(hours=10)).isoformat()


def test_outage_ended_puts_the_site_back_on_grid(nro_supply, clients):
    client = clients["owner"]
    outage = declare_outage(client).json()
    r = client.post(f"/api/v1/power-outages/{outage['id']}/end/")
    assert r.status_code == 200 and r.json()["ended_at"]
    now, _ = site(client, "ST-NRO1", datetime.now(dt_timezone.utc) + timedelta(minutes=1))
    assert now["state"] == "on_grid" and now["dark_at"] is None


def test_same_reference_updates_the_outage_in_place(nro_supply, clients):
    client = clients["owner"]
    first = declare_outage(client).json()
    later = T + timedelta(hours=2)
    second = declare_outage(client, start=later.isoformat(), expected_end=(later + timedelta(hours=1)).isoformat())
    assert second.status_code == 201 and second.json()["id"] == first["id"]
    row, _ = site(client, "ST-NRO1", later + timedelta(minutes=30))
    assert row["dark_at"] == (later + timedelta(hours=4)).isoformat()
    assert row["grid_back_before_dark"] is True  # expected back before the batteries run out


def test_outage_by_geometry_outside_the_site_leaves_it_on_grid(nro_supply, clients):
    far = {"type": "Polygon", "coordinates": [[[2.0, 48.0], [2.1, 48.0], [2.1, 48.1], [2.0, 48.1], [2.0, 48.0]]]}
    r = clients["owner"].post("/api/v1/power-outages/", {"network": "net-a", "geometry": far, "start": T.isoformat()},
                              format="json")
    assert r.status_code == 201, r.content
    row, _ = site(clients["owner"], "ST-NRO1", T + timedelta(hours=1))
    assert row["state"] == "on_grid" and row["outage"] is None


def test_operator_declarations_win_over_the_prediction(nro_supply, clients):
    client = clients["operator"]
    declare_outage(clients["owner"])
    r = client.post("/api/v1/networks/net-a/power/sites/ST-NRO1/state/",
                    {"state": "dark", "at": (T + timedelta(hours=1)).isoformat(), "comment": "alarme OLT"}, format="json")
    assert r.status_code == 201, r.content
    row, _ = site(client, "ST-NRO1", T + timedelta(hours=2))
    assert row["state"] == "dark" and row["dark_at"] == (T + timedelta(hours=1)).isoformat()
    assert row["declared"]["state"] == "dark" and row["premises_cut"] == 9
    client.post("/api/v1/networks/net-a/power/sites/ST-NRO1/state/",
                {"state": "restored", "at": (T + timedelta(hours=3)).isoformat()}, format="json")
    row, _ = site(client, "ST-NRO1", T + timedelta(hours=6))
    assert row["state"] == "on_grid" and row["dark_at"] is None
