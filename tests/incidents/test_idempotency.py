"""Idempotent creation with the Idempotency-Key header."""
import pytest

from incidents.models import TroubleTicket
from webhooks.models import OutboxEvent

from .conftest import TT, ticket_body

pytestmark = pytest.mark.django_db


def test_replay_returns_the_first_ticket(clients, net):
    first = clients["op"].post(TT, ticket_body(), format="json", HTTP_IDEMPOTENCY_KEY="storm-42")
    replay = clients["op"].post(TT, ticket_body(), format="json", HTTP_IDEMPOTENCY_KEY="storm-42")
    assert first.status_code == replay.status_code == 201
    assert replay.json()["id"] == first.json()["id"]
    assert replay["Idempotent-Replayed"] == "true"
    assert TroubleTicket.objects.count() == 1
    assert OutboxEvent.objects.filter(event_type="TroubleTicketCreateEvent").count() == 1


def test_same_key_other_body_is_refused(clients, net):
    clients["op"].post(TT, ticket_body(), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = clients["op"].post(TT, ticket_body(severity="minor"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "Idempotency-Key"
    assert TroubleTicket.objects.count() == 1


def test_keys_are_per_user_and_failed_requests_keep_no_key(clients, net):
    a = clients["op"].post(TT, ticket_body(), format="json", HTTP_IDEMPOTENCY_KEY="k2")
    b = clients["syn"].post(TT, ticket_body(), format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert a.json()["id"] != b.json()["id"]
    bad = clients["op"].post(TT, {"severity": "major"}, format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert bad.status_code == 400
    good = clients["op"].post(TT, ticket_body(), format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert good.status_code == 201


def test_without_key_each_post_creates(clients, net):
    clients["op"].post(TT, ticket_body(), format="json")
    clients["op"].post(TT, ticket_body(), format="json")
    assert TroubleTicket.objects.count() == 2
