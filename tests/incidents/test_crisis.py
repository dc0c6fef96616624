"""Crisis cell: crises, the append-only crisis log (main courante), contacts and who is on call now."""
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from core.models import AuditEvent
from incidents.models import Contact, Crisis, CrisisLogEntry, OnCallPeriod
from incidents.models.crisis_log import AppendOnlyError

pytestmark = pytest.mark.django_db

CRISES, LOG, CONTACTS, PERIODS = "/api/v1/crises/", "/api/v1/crisis-log/", "/api/v1/contacts/", "/api/v1/on-call-periods/"


@pytest.fixture
def crisis(clients):
    response = clients["syn"].post(CRISES, {"name": "Tempête Ciarán", "level": "crisis", "networks": ["net-a"],
                                            "organisations": ["oi-a"], "alert_ids": ["12"]}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_crisis_adds_the_creator_and_is_scoped(clients, crisis):
    assert sorted(crisis["organisations"]) == ["oi-a", "syn-a"] and crisis["networks"] == ["net-a"]
    assert crisis["is_open"] and crisis["alert_ids"] == ["12"]
    assert clients["op"].get(f"{CRISES}{crisis['id']}/").status_code == 200
    assert clients["other_op"].get(f"{CRISES}{crisis['id']}/").status_code == 404
    assert clients["other_op"].get(CRISES).json()["count"] == 0
    assert clients["syn"].get(CRISES, {"open": "true", "network": "net-a"}).json()["count"] == 1
    assert clients["syn"].get(CRISES, {"level": "watch"}).json()["count"] == 0
    assert AuditEvent.objects.filter(object_repr="Tempête Ciarán", action="create").exists()


def test_crisis_refuses_invisible_networks_and_readers(clients, net_b):
    response = clients["syn"].post(CRISES, {"name": "x", "networks": ["net-b"]}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "networks"
    assert clients["viewer"].post(CRISES, {"name": "x"}, format="json").status_code == 403


def test_close_crisis(clients, crisis):
    closed = timezone.now().isoformat()
    response = clients["op"].patch(f"{CRISES}{crisis['id']}/", {"closed_at": closed}, format="json")
    assert response.status_code == 200 and not response.json()["is_open"]
    assert clients["syn"].delete(f"{CRISES}{crisis['id']}/").status_code == 405
    early = (timezone.now() - timedelta(days=30)).isoformat()
    response = clients["op"].patch(f"{CRISES}{crisis['id']}/", {"closed_at": early}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "closed_at"


def test_crisis_log_is_append_only_and_corrections_point_back(clients, crisis):
    first = clients["op"].post(LOG, {"crisis": crisis["id"], "kind": "information", "text": "CM-D1a au sol",
                                     "linked_objects": [{"type": "RouteSegment", "code": "CM-D1a"}]}, format="json")
    assert first.status_code == 201, first.content
    entry = first.json()
    assert entry["organisation"] == "oi-a" and entry["author"] == "user-oi-a-operator_agent"
    url = f"{LOG}{entry['id']}/"
    assert clients["op"].patch(url, {"text": "réécrit"}, format="json").status_code == 405
    assert clients["op"].put(url, {"text": "réécrit"}, format="json").status_code == 405
    assert clients["op"].delete(url).status_code == 405
    correction = clients["syn"].post(LOG, {"crisis": crisis["id"], "kind": "information", "corrects": entry["id"],
                                           "text": "C'est CM-D1b, pas CM-D1a"}, format="json").json()
    assert correction["corrects"] == entry["id"] and correction["organisation"] == "syn-a"
    assert clients["syn"].get(url).json()["corrections"] == [correction["id"]]
    listing = clients["syn"].get(LOG, {"crisis": crisis["id"]}).json()
    assert [e["text"] for e in listing["results"]] == ["CM-D1a au sol", "C'est CM-D1b, pas CM-D1a"]
    assert CrisisLogEntry.objects.get(pk=entry["id"]).text == "CM-D1a au sol"


def test_crisis_log_cannot_be_rewritten_below_the_api(clients, crisis):
    entry = clients["op"].post(LOG, {"crisis": crisis["id"], "kind": "decision", "text": "Ouvrir la cellule"},
                               format="json").json()
    obj = CrisisLogEntry.objects.get(pk=entry["id"])
    obj.text = "autre chose"
    with pytest.raises(AppendOnlyError):
        obj.save()
    with pytest.raises(AppendOnlyError):
        obj.delete()
    with pytest.raises(AppendOnlyError):
        CrisisLogEntry.objects.filter(pk=obj.pk).update(text="x")
    with pytest.raises(DatabaseError), transaction.atomic():  # the database trigger, for raw SQL
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("UPDATE incidents_crisislogentry SET text = 'x' WHERE id = %s", [obj.pk])
    assert CrisisLogEntry.objects.get(pk=obj.pk).text == "Ouvrir la cellule"


def test_crisis_log_refusals(clients, crisis):
    bad = clients["op"].post(LOG, {"crisis": crisis["id"], "kind": "gossip", "text": "x",
                                   "linked_objects": [{"type": "Spaceship", "code": "1"}]}, format="json")
    assert bad.status_code == 400
    assert {e["path"] for e in bad.json()["errors"]} == {"kind", "linked_objects.0.type"}
    assert clients["viewer"].post(LOG, {"crisis": crisis["id"], "kind": "call", "text": "x"}, format="json").status_code == 403
    assert clients["other_op"].post(LOG, {"crisis": crisis["id"], "kind": "call", "text": "x"},
                                    format="json").status_code == 400  # crisis not visible
    assert clients["elected"].get(LOG).status_code == 403
    other = Crisis.objects.create(name="Autre")
    foreign = CrisisLogEntry.objects.create(crisis=other, organisation=Crisis.objects.get(pk=crisis["id"]).organisations.first(),
                                            kind="call", text="ailleurs")
    response = clients["op"].post(LOG, {"crisis": crisis["id"], "kind": "call", "text": "x", "corrects": foreign.pk},
                                  format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "corrects"


def test_contacts_and_on_call_now(clients, crisis, net):
    contact = clients["op"].post(CONTACTS, {"name": "Astreinte OI", "role": "astreinte réseau",
                                            "phone": "+33 2 98 00 00 00", "commune": "29232"}, format="json")
    assert contact.status_code == 201, contact.content
    contact = contact.json()
    assert contact["organisation"] == "oi-a" and contact["commune"] == "29232" and not contact["on_call_now"]
    now = timezone.now()
    period = clients["op"].post(PERIODS, {"contact": contact["id"], "starts_at": (now - timedelta(hours=1)).isoformat(),
                                          "ends_at": (now + timedelta(hours=11)).isoformat()}, format="json")
    assert period.status_code == 201, period.content
    # a past period and another organisation's on-call person do not show
    past = Contact.objects.create(organisation=net.network.owner, name="Hier", role="élu d'astreinte", phone="1")
    OnCallPeriod.objects.create(contact=past, starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    on_call = clients["syn"].get(f"{CRISES}{crisis['id']}/on-call/")
    assert on_call.status_code == 200
    assert [(row["name"], row["organisation"]) for row in on_call.json()] == [("Astreinte OI", "oi-a")]
    assert clients["syn"].get(CONTACTS, {"on_call_now": "true"}).json()["count"] == 1
    assert clients["syn"].get(CONTACTS, {"commune": "29232"}).json()["count"] == 1
    # the partner reads the contact but only its own organisation writes it
    assert clients["syn"].get(f"{CONTACTS}{contact['id']}/").json()["on_call_now"] is True
    assert clients["syn"].patch(f"{CONTACTS}{contact['id']}/", {"phone": "0"}, format="json").status_code == 403
    assert clients["op"].patch(f"{CONTACTS}{contact['id']}/", {"phone": "0612"}, format="json").status_code == 200
    assert clients["other_op"].get(f"{CONTACTS}{contact['id']}/").status_code == 404


def test_contact_needs_phone_or_email_and_periods_are_ordered(clients):
    response = clients["op"].post(CONTACTS, {"name": "X", "role": "r"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "phone"
    contact = clients["op"].post(CONTACTS, {"name": "X", "role": "r", "email": "x@oi.fr"}, format="json").json()
    now = timezone.now()
    response = clients["op"].post(PERIODS, {"contact": contact["id"], "starts_at": now.isoformat(),
                                            "ends_at": (now - timedelta(hours=1)).isoformat()}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "ends_at"
