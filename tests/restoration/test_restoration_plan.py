"""Restoration outlook of a crisis on the small Quimper network (tests.builders): curve, ETA per
commune, repair order, and the actual curve moving as tickets are resolved."""
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Crisis
from incidents.services.tickets import Actor, create_ticket, patch_ticket
from resilience.services.exposure import refresh_alert
from resilience.services.ingest import ingest_payload
from restoration.models import Crew
from restoration.services.plan import restoration_outlook
from tests.builders import build_small_network
from tests.resilience.capdocs import cap

pytestmark = pytest.mark.django_db


@pytest.fixture
def storm():
    net = build_small_network()
    network = net.network
    crisis = Crisis.objects.create(name="Tempête", opened_at=timezone.now() - timedelta(hours=2))
    crisis.networks.add(network)
    crisis.organisations.add(network.owner)
    actor = Actor(user=None, organisation=network.operator, base_url="")

    def ticket(code, referred="RouteSegment"):
        return create_ticket(network, {"description": code, "severity": "major", "ticket_type": "incident"},
                             [{"id": code, "@referredType": referred, "role": "damaged"}], [], actor)

    # CM-D1a (aerial) cuts PBO1 + PBO2: 6 premises incl. the hospital; CM-D3b cuts PBO3: 3 premises
    tickets = [ticket("CM-D1a"), ticket("CM-D3b")]
    Crew.objects.create(organisation=network.operator, name="Équipe 1", teams=1, interventions_per_day=4)
    return network, crisis, tickets, actor


def test_outlook_from_tickets_has_a_curve_etas_and_critical_sites_first(storm):
    network, crisis, tickets, _actor = storm
    outlook = restoration_outlook(crisis)
    assert outlook["source"] == "tickets" and outlook["teams"]["teams"] == 1 and outlook["teams"]["declared"]
    # the hospital behind CM-D1a first, then CM-D3b
    assert [j["asset"]["id"] for j in outlook["plan"]] == ["CM-D1a", "CM-D3b"]
    assert outlook["plan"][0]["critical_sites"] == 1 and outlook["plan"][0]["premises_restored_alone"] == 6
    curve = outlook["curve"]
    assert curve[0]["premises_without_service_actual"] in (6, 3, 9)
    now_points = [p for p in curve if p["time"] <= outlook["at"]]
    assert now_points[-1]["premises_without_service_actual"] == 9
    future = [p for p in curve if p["time"] > outlook["at"]]
    assert future and future[-1]["premises_without_service_predicted"] == 0
    assert all(p["premises_without_service_actual"] is None for p in future)
    [quimper] = outlook["communes"]
    assert quimper["insee"] == "29232" and quimper["premises_without_service"] == 9
    assert outlook["at"] < quimper["eta_p50"] <= quimper["eta_p90"]
    # one team: 40 min travel + 1.5 h per span, two jobs → the last one ends 4 h 20 after now
    assert quimper["eta_p90"] - outlook["at"] == timedelta(hours=2 * (1.5 + 40 / 60))


def test_resolving_tickets_moves_the_actual_curve_and_the_eta(storm, token_client):
    network, crisis, tickets, actor = storm
    before = restoration_outlook(crisis)
    for status in ("inProgress", "resolved"):
        patch_ticket(tickets[0].pk, {"status": status}, actor)
    after = restoration_outlook(crisis)
    assert after["curve"][-1]["premises_without_service_predicted"] == 0
    actual_now = [p for p in after["curve"] if p["premises_without_service_actual"] is not None][-1]
    assert actual_now["premises_without_service_actual"] == 3  # only PBO3 still down
    [quimper] = after["communes"]
    assert quimper["premises_without_service"] == 3 and quimper["eta_p90"] < before["communes"][0]["eta_p90"]
    assert [j["asset"]["id"] for j in after["plan"]] == ["CM-D3b"]
    # and through the API
    client, _ = token_client(network.owner)
    body = client.get(f"/api/v1/crises/{crisis.pk}/restoration/").json()
    assert set(body) >= {"curve", "communes", "plan"}
    assert set(body["curve"][0]) == {"time", "premises_without_service_predicted", "premises_without_service_actual"}
    assert body["communes"][0]["insee"] == "29232" and body["communes"][0]["eta_p50"].endswith("+00:00")
    assert client.get(f"/api/v1/crises/{crisis.pk}/restoration/", {"at": "yesterday"}).status_code == 400


def test_restoration_is_scoped(storm, token_client, make_org):
    _network, crisis, _t, _a = storm
    stranger, _ = token_client(make_org("other-syn"))
    assert stranger.get(f"/api/v1/crises/{crisis.pk}/restoration/").status_code == 404


def test_before_any_ticket_the_plan_comes_from_the_expected_damage():
    from resilience.models import DamageModel

    net = build_small_network()
    network = net.network
    alert = ingest_payload(cap(), "cap").alerts[0]  # orange wind over the north-east of the network
    # certain damage, so that the single seeded draw is not empty
    DamageModel.objects.create(network=network, parameters={"wind": {
        "threshold": {"gust_kmh": 0}, "reference": {"gust_kmh": 100}, "max_probability": 1.0,
        "pole": {"RIP": 1.0}, "pole_cuts_cable": 1.0}})
    refresh_alert(alert)
    crisis = Crisis.objects.create(name="Avant", alert_ids=[alert.pk])
    crisis.networks.add(network)
    outlook = restoration_outlook(crisis)
    assert outlook["source"] == "expected" and not outlook["teams"]["declared"]
    assert {j["asset"]["id"] for j in outlook["plan"]} >= {"PT-A1", "PT-PBO1"}
    assert outlook["communes"][0]["eta_p90"] is not None
    assert all(p["premises_without_service_actual"] is None for p in outlook["curve"])
