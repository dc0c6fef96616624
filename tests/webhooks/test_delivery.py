"""Delivery end to end: a real Celery worker, a real local receiver, after commit, signed, retried, ordered.

The receiver verifies what it got with the reference `standardwebhooks` library, as a partner would.
"""
import json

import pytest
from django.db import transaction
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks.models import (
    AttemptOutcome, Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent, Subscription, SubscriptionStatus,
)
from webhooks.services import outbox
from webhooks.services.outbox import emit
from webhooks.services.subscriptions import create_subscription, rotate_secret
from webhooks.services.sweeper import sweep

from .conftest import ticket, wait_until

pytestmark = pytest.mark.integration


def subscribe(org, receiver, path="/hook", **kw):
    kw.setdefault("source", "tmf")
    return create_subscription(org, receiver.url(path), **kw)


def emit_ticket(event_type, syn, oi, pk=42, **fields):
    with transaction.atomic():
        return emit(event_type, ticket(pk, **fields), organisations=[syn, oi], subject=f"troubleTicket:{pk}")


def test_ticket_event_delivered_after_commit_and_signed(partners, receiver, celery_worker):
    syn, oi_a, _ = partners
    sub = subscribe(oi_a, receiver)
    event = emit_ticket("TroubleTicketCreateEvent", syn, oi_a)
    [got] = receiver.wait_for(1)
    payload = Webhook(sub.secret).verify(got.body, got.headers)  # raises if the signature is wrong
    assert payload["eventId"] == str(event.id) == got.headers["webhook-id"]
    assert payload["eventType"] == "TroubleTicketCreateEvent" and payload["sequence"] == 1
    assert payload["event"]["troubleTicket"]["id"] == "42"
    assert payload["eventTime"].endswith("+00:00")
    assert got.headers["Content-Type"] == "application/json"
    tampered = got.body.replace(b'"critical"', b'"minor"')
    with pytest.raises(WebhookVerificationError):
        Webhook(sub.secret).verify(tampered, got.headers)
    delivery = wait_until(lambda: Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).first(), message="success")
    [attempt] = delivery.attempt_log.all()
    assert (attempt.status_code, attempt.outcome, attempt.error) == (200, AttemptOutcome.SUCCEEDED, "")
    assert attempt.response_body == '{"ok": true}'


def test_rolled_back_change_sends_nothing(partners, receiver, celery_worker):
    syn, oi_a, _ = partners
    subscribe(oi_a, receiver)
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("TroubleTicketCreateEvent", ticket(1), organisations=[syn, oi_a], subject="troubleTicket:1")
        raise RuntimeError("the ticket could not be saved")
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a, pk=2)  # a barrier: the worker handles tasks in order
    [got] = receiver.wait_for(1)
    assert json.loads(got.body)["subject"] == "troubleTicket:2"
    assert list(OutboxEvent.objects.values_list("subject", flat=True)) == ["troubleTicket:2"]


def test_sweeper_delivers_an_event_whose_enqueue_was_lost(partners, receiver, fast_retries, celery_worker, monkeypatch):
    """Redis down at commit time: the after-commit hook never reaches a worker; the row is in PostgreSQL."""
    syn, oi_a, _ = partners
    sub = subscribe(oi_a, receiver)
    monkeypatch.setattr(outbox, "after_commit_hooks", [])
    event = emit_ticket("TroubleTicketStateChangeEvent", syn, oi_a)
    assert OutboxEvent.objects.get(pk=event.pk).dispatched_at is None and not Delivery.objects.exists()
    assert sweep() == {"dispatched": 1, "enqueued": 1}  # fans the event out, then enqueues the due delivery
    [got] = receiver.wait_for(1)
    Webhook(sub.secret).verify(got.body, got.headers)
    wait_until(lambda: Delivery.objects.filter(subscription=sub, status=DeliveryStatus.SUCCEEDED).exists(), message="success")
    assert sweep() == {"dispatched": 0, "enqueued": 0}  # nothing left: nothing sent twice


def test_receiver_down_then_up_gets_the_event_on_retry(partners, receiver, fast_retries, celery_worker):
    syn, oi_a, _ = partners
    subscribe(oi_a, receiver)
    receiver.respond("/hook", 500)
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a)
    first, second = receiver.wait_for(2)
    assert first.body == second.body and first.headers["webhook-id"] == second.headers["webhook-id"]
    delivery = wait_until(lambda: Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).first(), message="success")
    log = list(delivery.attempt_log.order_by("number").values_list("status_code", "outcome"))
    assert log == [(500, AttemptOutcome.RETRY), (200, AttemptOutcome.SUCCEEDED)]
    failed = delivery.attempt_log.get(number=1)
    assert failed.error == "réponse HTTP 500"
    assert len(failed.response_body) <= 2049 and failed.response_body.endswith("…")  # truncated


def test_dead_letter_after_the_last_retry_flags_the_subscription(partners, receiver, fast_retries, celery_worker):
    syn, oi_a, _ = partners
    sub = subscribe(oi_a, receiver)
    receiver.respond("/hook", 503, 503, 503)
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a)
    receiver.wait_for(3)  # first attempt + the two retries of the schedule
    delivery = wait_until(lambda: Delivery.objects.filter(status=DeliveryStatus.DEAD).first(), message="dead letter")
    assert delivery.attempts == 3
    assert list(delivery.attempt_log.order_by("number").values_list("outcome", flat=True)) == ["retry", "retry", "dead"]
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.FAILING and "abandonné" in sub.status_reason
    # still delivering while failing; a success clears the flag
    emit_ticket("TroubleTicketResolvedEvent", syn, oi_a)
    receiver.wait_for(4)
    wait_until(lambda: Subscription.objects.get(pk=sub.pk).status == SubscriptionStatus.ACTIVE, message="cleared")


def test_gone_disables_the_subscription(partners, receiver, fast_retries, celery_worker):
    syn, oi_a, _ = partners
    sub = subscribe(oi_a, receiver)
    receiver.respond("/hook", 410)
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a)
    receiver.wait_for(1)
    wait_until(lambda: Subscription.objects.get(pk=sub.pk).status == SubscriptionStatus.DISABLED, message="disabled")
    assert Delivery.objects.get().attempt_log.get().outcome == AttemptOutcome.GONE
    other = create_subscription(oi_a, receiver.url("/other"), source="tmf")
    emit_ticket("TroubleTicketStateChangeEvent", syn, oi_a)
    receiver.wait_for(1, "/other")  # barrier
    assert len(receiver.on("/hook")) == 1
    assert not Delivery.objects.filter(subscription=sub, event__sequence=2).exists()
    assert other.status == SubscriptionStatus.ACTIVE


def test_events_of_one_ticket_arrive_in_order(partners, receiver, fast_retries, celery_worker):
    """Sequence 1 fails once: 2 and 3 wait for it, though they were emitted and dispatched meanwhile."""
    syn, oi_a, _ = partners
    subscribe(oi_a, receiver)
    receiver.respond("/hook", 500)
    for event_type in ("TroubleTicketCreateEvent", "TroubleTicketStateChangeEvent", "TroubleTicketResolvedEvent"):
        emit_ticket(event_type, syn, oi_a)
    received = receiver.wait_for(4)
    assert [json.loads(r.body)["sequence"] for r in received] == [1, 1, 2, 3]
    wait_until(lambda: Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 3, message="3 successes")


def test_rotation_sends_both_signatures_until_the_overlap_ends(partners, receiver, celery_worker):
    syn, oi_a, _ = partners
    sub = subscribe(oi_a, receiver)
    old = sub.secret
    new = rotate_secret(sub).secret
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a)
    [got] = receiver.wait_for(1)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(got.body, got.headers)
    Webhook(new).verify(got.body, got.headers)
    Subscription.objects.filter(pk=sub.pk).update(previous_secret_expires_at="2020-01-01T00:00Z")
    emit_ticket("TroubleTicketStateChangeEvent", syn, oi_a)
    _, got = receiver.wait_for(2)
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(got.body, got.headers)


def test_another_operator_receives_nothing_of_this_ticket(partners, receiver, celery_worker):
    syn, oi_a, oi_b = partners
    subscribe(oi_a, receiver, "/oi-a")
    subscribe(syn, receiver, "/syndicate", source="native", event_types=[])
    spy = subscribe(oi_b, receiver, "/oi-b")
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a)
    receiver.wait_for(1, "/oi-a")
    receiver.wait_for(1, "/syndicate")
    assert receiver.on("/oi-b") == [] and not Delivery.objects.filter(subscription=spy).exists()


def test_query_filters_what_is_sent(partners, receiver, celery_worker):
    syn, oi_a, _ = partners
    subscribe(oi_a, receiver, "/critical", query="event.troubleTicket.severity=critical")
    subscribe(oi_a, receiver, "/alerts", source="native", event_types=["alert.created"])
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a, pk=1, severity="minor")
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a, pk=2)
    with transaction.atomic():
        emit("alert.created", {"alert": {"id": 7, "hazard": "wind"}}, organisations=[oi_a], subject="alert:7")
    [got] = receiver.wait_for(1, "/critical")
    assert json.loads(got.body)["event"]["troubleTicket"]["id"] == "2"
    [alert] = receiver.wait_for(1, "/alerts")
    assert json.loads(alert.body)["event"] == {"alert": {"id": 7, "hazard": "wind"}}
    assert len(receiver.on("/critical")) == 1


def test_redeliver_makes_a_new_attempt(partners, receiver, token_client, celery_worker):
    syn, oi_a, _ = partners
    client, _ = token_client(oi_a, "operator_agent")
    sub = subscribe(oi_a, receiver)
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a)
    receiver.wait_for(1)
    delivery = wait_until(lambda: Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).first(), message="success")
    base = f"/api/v1/webhooks/subscriptions/{sub.pk}/deliveries/"
    listed = client.get(base).json()["results"]
    assert [d["id"] for d in listed] == [delivery.pk] and listed[0]["attempt_log"][0]["status_code"] == 200
    response = client.post(f"{base}{delivery.pk}/redeliver/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    first, again = receiver.wait_for(2)
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    wait_until(lambda: DeliveryAttempt.objects.filter(delivery=delivery).count() == 2, message="second attempt")
    detail = client.get(f"{base}{delivery.pk}/").json()
    assert [(a["number"], a["manual"]) for a in detail["attempt_log"]] == [(2, True), (1, False)]
    assert detail["status"] == "succeeded" and detail["body"]["eventType"] == "TroubleTicketCreateEvent"


def test_acceptance_hub_subscription_receives_a_signed_create_event(partners, receiver, token_client, celery_worker):
    """Issue 8 acceptance: subscribe through the TMF621 hub, a new ticket arrives signed, verifiable."""
    syn, oi_a, _ = partners
    client, _ = token_client(oi_a, "operator_agent")
    hub = client.post("/tmf-api/troubleTicket/v4/hub",
                      {"callback": receiver.url("/tmf"), "query": "eventType=TroubleTicketCreateEvent"}, format="json")
    assert hub.status_code == 201
    emit_ticket("TroubleTicketStateChangeEvent", syn, oi_a, pk=7)  # filtered out by the query
    emit_ticket("TroubleTicketCreateEvent", syn, oi_a, pk=8)
    [got] = receiver.wait_for(1, "/tmf")
    event = Webhook(hub.json()["secret"]).verify(got.body, got.headers)
    assert event["eventType"] == "TroubleTicketCreateEvent" and event["event"]["troubleTicket"]["id"] == "8"
    assert set(event) >= {"eventId", "eventTime", "eventType", "event", "sequence"}
