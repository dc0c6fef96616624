"""Every ticket change is audited and emits its TMF621 event to the outbox, in the same transaction."""
import pytest
from django.contrib.contenttypes.models import ContentType

from core.models import AuditEvent
from incidents.models import TicketNote, TroubleTicket
from webhooks.models import OutboxEvent

from .conftest import patch

pytestmark = pytest.mark.django_db


def ticket_audit(ticket_id):
    ct = ContentType.objects.get_for_model(TroubleTicket)
    return list(AuditEvent.objects.filter(content_type=ct, object_id=str(ticket_id)).order_by("id"))


def events_of(ticket_id):
    return list(OutboxEvent.objects.filter(subject=f"troubleTicket:{ticket_id}").order_by("sequence"))


def test_changes_are_audited_with_before_and_after(clients, create_ticket, net):
    ticket = create_ticket("op")
    patch(clients["syn"], ticket["id"], {"description": "Deux poteaux", "severity": "critical"})
    patch(clients["op"], ticket["id"], {"status": "inProgress"})
    patch(clients["op"], ticket["id"], {"note": [{"text": "sur place"}]})
    rows = ticket_audit(ticket["id"])
    assert [r.action for r in rows] == ["create", "update", "update", "update"]
    assert rows[0].organisation == net.network.operator and rows[0].actor.username == "user-oi-a-operator_agent"
    assert rows[0].after["description"] == "Poteau cassé, câble D1 au sol"
    assert rows[1].before == {"description": "Poteau cassé, câble D1 au sol", "severity": "major"}
    assert rows[1].after == {"description": "Deux poteaux", "severity": "critical"}
    assert rows[1].organisation == net.network.owner
    assert rows[2].before == {"status": "acknowledged"} and rows[2].after == {"status": "inProgress"}
    assert rows[3].after == {"note": ["sur place"]}
    assert all(r.request_id for r in rows)
    note_ct = ContentType.objects.get_for_model(TicketNote)
    assert AuditEvent.objects.filter(content_type=note_ct, action="create").count() == 1


def test_events_in_order_with_sequence_numbers(clients, create_ticket, net):
    ticket = create_ticket("op")
    patch(clients["op"], ticket["id"], {"description": "Deux poteaux"})
    patch(clients["op"], ticket["id"], {"status": "inProgress"})
    patch(clients["op"], ticket["id"], {"status": "pending", "statusChangeReason": "accès au terrain ?"})
    patch(clients["op"], ticket["id"], {"status": "inProgress"})
    patch(clients["op"], ticket["id"], {"status": "resolved", "note": [{"text": "réparé"}]})
    events = events_of(ticket["id"])
    assert [(e.sequence, e.event_type) for e in events] == [
        (1, "TroubleTicketCreateEvent"),
        (2, "TroubleTicketAttributeValueChangeEvent"),
        (3, "TroubleTicketStateChangeEvent"),
        (4, "TroubleTicketStateChangeEvent"),
        (5, "TroubleTicketInformationRequiredEvent"),
        (6, "TroubleTicketStateChangeEvent"),
        (7, "TroubleTicketAttributeValueChangeEvent"),
        (8, "TroubleTicketStateChangeEvent"),
        (9, "TroubleTicketResolvedEvent"),
    ]
    owner, operator = net.network.owner_id, net.network.operator_id
    assert all(e.organisation_ids == sorted([owner, operator]) for e in events)
    assert events[0].payload["troubleTicket"]["id"] == ticket["id"]
    assert events[0].payload["troubleTicket"]["status"] == "acknowledged"
    assert events[-1].payload["troubleTicket"]["status"] == "resolved"


def test_nothing_is_written_by_a_failed_request(clients, create_ticket):
    ticket = create_ticket("op")
    before_events, before_audit = len(events_of(ticket["id"])), len(ticket_audit(ticket["id"]))
    # a valid attribute change and notes, with a forbidden transition: all or nothing
    response = patch(clients["op"], ticket["id"], {"description": "changé", "note": [{"text": "x"}], "status": "closed"})
    assert response.status_code == 400
    assert TroubleTicket.objects.get(pk=ticket["id"]).description == "Poteau cassé, câble D1 au sol"
    assert len(events_of(ticket["id"])) == before_events
    assert len(ticket_audit(ticket["id"])) == before_audit
    assert not TicketNote.objects.filter(ticket_id=ticket["id"]).exists()


def test_events_roll_back_with_the_transaction(clients, create_ticket, net):
    """The service emits inside the change's transaction: if that transaction fails later, no event."""
    from django.db import transaction
    from django.contrib.auth import get_user_model

    from incidents.services.tickets import Actor, patch_ticket

    ticket = create_ticket("op")
    actor = Actor(user=get_user_model().objects.first(), organisation=net.network.operator, base_url="http://x/")
    with pytest.raises(RuntimeError), transaction.atomic():
        _, emitted = patch_ticket(int(ticket["id"]), {"status": "inProgress"}, actor)
        assert emitted == ["TroubleTicketStateChangeEvent"]
        assert len(events_of(ticket["id"])) == 2
        raise RuntimeError("a later step of the request failed")
    assert len(events_of(ticket["id"])) == 1
    assert TroubleTicket.objects.get(pk=ticket["id"]).status == "acknowledged"


def test_a_patch_that_changes_nothing_emits_nothing(clients, create_ticket):
    ticket = create_ticket("op")
    assert patch(clients["op"], ticket["id"], {"description": ticket["description"]}).status_code == 200
    assert len(events_of(ticket["id"])) == 1
