"""Delivery machinery without a worker: fan-out idempotence, leases, order gate, backoff, delivery-time SSRF."""
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from webhooks.models import Delivery, DeliveryStatus, OutboxEvent, SubscriptionStatus
from webhooks.services import outbox
from webhooks.services.delivery import attempt_delivery, redeliver, retry_delay
from webhooks.services.dispatch import dispatch_event
from webhooks.services.outbox import emit
from webhooks.services.subscriptions import create_subscription, set_status
from webhooks.services.sweeper import sweep

from .conftest import ticket


@pytest.fixture
def no_hooks(monkeypatch):
    """Nothing goes to the broker after commit: the test drives dispatch and delivery itself."""
    monkeypatch.setattr(outbox, "after_commit_hooks", [])


def test_retry_schedule_backs_off_with_jitter_then_stops(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [5, 30, 120]
    settings.WEBHOOK_RETRY_JITTER = 0.2
    for failures, base in ((1, 5), (2, 30), (3, 120)):
        delays = {retry_delay(failures) for _ in range(50)}
        assert all(base * 0.8 <= d <= base * 1.2 for d in delays) and len(delays) > 1
    assert retry_delay(4) is None


def test_default_schedule_spans_at_least_72_hours_even_with_jitter(settings):
    total = sum(settings.WEBHOOK_RETRY_SCHEDULE)
    assert total * (1 - settings.WEBHOOK_RETRY_JITTER) >= 72 * 3600


def test_fan_out_is_idempotent(partners, receiver, no_hooks):
    syn, oi_a, _ = partners
    create_subscription(oi_a, receiver.url(), source="tmf")
    create_subscription(syn, receiver.url("/syn"), source="tmf")
    event = emit("TroubleTicketCreateEvent", ticket(), organisations=[syn, oi_a], subject="troubleTicket:42")
    first = dispatch_event(event.pk, enqueue=False)
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)  # as if a second dispatcher raced
    second = dispatch_event(event.pk, enqueue=False)
    assert len(first) == 2 and sorted(first) == sorted(second)
    assert Delivery.objects.count() == 2


def test_a_leased_delivery_is_not_sent_twice_and_a_lapsed_lease_is_swept(partners, receiver, no_hooks, settings):
    settings.WEBHOOK_SWEEP_GRACE = 0
    syn, oi_a, _ = partners
    create_subscription(oi_a, receiver.url(), source="tmf")
    emit("TroubleTicketCreateEvent", ticket(), organisations=[oi_a], subject="troubleTicket:42")
    [pk] = dispatch_event(OutboxEvent.objects.get().pk, enqueue=False)
    Delivery.objects.filter(pk=pk).update(lease_until=timezone.now() + timedelta(minutes=1))  # a worker holds it
    assert attempt_delivery(pk) == "skipped"
    assert sweep()["enqueued"] == 0
    Delivery.objects.filter(pk=pk).update(lease_until=timezone.now() - timedelta(seconds=1))  # that worker died
    assert sweep()["enqueued"] == 1
    assert attempt_delivery(pk) == "succeeded"
    assert len(receiver.on("/hook")) == 1


def test_a_later_event_waits_for_an_earlier_one_not_fanned_out_yet(partners, receiver, no_hooks):
    syn, oi_a, _ = partners
    create_subscription(oi_a, receiver.url(), source="tmf")
    first = emit("TroubleTicketCreateEvent", ticket(), organisations=[oi_a], subject="troubleTicket:42")
    second = emit("TroubleTicketStateChangeEvent", ticket(), organisations=[oi_a], subject="troubleTicket:42")
    [later] = dispatch_event(second.pk, enqueue=False)
    assert attempt_delivery(later) == "skipped"
    [earlier] = dispatch_event(first.pk, enqueue=False)
    assert attempt_delivery(later) == "skipped"
    assert Delivery.objects.get(pk=later).attempts == 0 and receiver.on("/hook") == []
    assert attempt_delivery(earlier) == "succeeded"  # …and goes on with the next of the subject, in order
    assert Delivery.objects.get(pk=later).status == DeliveryStatus.SUCCEEDED
    assert attempt_delivery(later) == "skipped"  # its own task, arriving late, finds nothing to do
    assert [r.headers["webhook-id"] for r in receiver.on("/hook")] == [str(first.pk), str(second.pk)]


def test_callback_checked_again_at_delivery_time(partners, receiver, no_hooks, settings):
    """The host was allowed when the subscription was made, not any more (or its DNS changed)."""
    syn, oi_a, _ = partners
    create_subscription(oi_a, receiver.url(), source="tmf")
    emit("TroubleTicketCreateEvent", ticket(), organisations=[oi_a], subject="troubleTicket:42")
    [pk] = dispatch_event(OutboxEvent.objects.get().pk, enqueue=False)
    settings.WEBHOOK_ALLOWED_HOSTS = []
    settings.WEBHOOK_RETRY_ENQUEUE_MAX = -1  # leave the retry to the sweeper
    assert attempt_delivery(pk) == "retry"
    attempt = Delivery.objects.get(pk=pk).attempt_log.get()
    assert attempt.status_code is None and attempt.error.startswith("adresse refusée") and "https" in attempt.error
    assert receiver.on("/hook") == []


def test_peer_check_refuses_a_loopback_connection_even_after_the_name_check(settings, receiver):
    """DNS rebinding: the name check passed, the socket still lands on loopback → refused before sending."""
    from webhooks.services.urlguard import CallbackRefused, guarded_session

    settings.WEBHOOK_ALLOWED_HOSTS = []
    with guarded_session() as session, pytest.raises(CallbackRefused, match="bouclage"):
        session.post(receiver.url(), data=b"{}", timeout=2)
    assert receiver.on("/hook") == []


def test_disabled_subscription_cancels_pending_and_refuses_redelivery(partners, receiver, no_hooks):
    syn, oi_a, _ = partners
    sub = create_subscription(oi_a, receiver.url(), source="tmf")
    with transaction.atomic():
        emit("TroubleTicketCreateEvent", ticket(), organisations=[oi_a], subject="troubleTicket:42")
    [pk] = dispatch_event(OutboxEvent.objects.get().pk, enqueue=False)
    set_status(sub, SubscriptionStatus.DISABLED, "test")
    delivery = Delivery.objects.get(pk=pk)
    assert delivery.status == DeliveryStatus.CANCELLED
    with pytest.raises(ValueError, match="désactivé"):
        redeliver(delivery)
    assert receiver.on("/hook") == []


def test_concurrent_first_events_of_a_subject_get_distinct_sequences(transactional_db, no_hooks):
    """The advisory lock serialises emits of one subject even when no row exists yet."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(4)
    errors = []

    def one():
        try:
            barrier.wait()
            with transaction.atomic():
                emit("alert.created", {}, organisations=[1], subject="alert:1")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(OutboxEvent.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4]


def test_a_receiver_back_gets_its_backlog_without_waiting_for_the_backoff(partners, receiver, no_hooks, settings):
    """Down for a while: ticket 1 waits an hour in backoff; ticket 2 goes through → ticket 1 is due now."""
    settings.WEBHOOK_RETRY_SCHEDULE = [3600]
    settings.WEBHOOK_SWEEP_GRACE = 0
    settings.WEBHOOK_RETRY_JITTER = 0  # the backoff is exactly one hour here
    syn, oi_a, _ = partners
    create_subscription(oi_a, receiver.url(), source="tmf")
    receiver.respond("/hook", 503)
    emit("TroubleTicketCreateEvent", ticket(1), organisations=[oi_a], subject="troubleTicket:1")
    [first] = dispatch_event(OutboxEvent.objects.get().pk, enqueue=False)
    assert attempt_delivery(first) == "retry"
    assert Delivery.objects.get(pk=first).next_attempt_at > timezone.now() + timedelta(minutes=50)
    second_event = emit("TroubleTicketCreateEvent", ticket(2), organisations=[oi_a], subject="troubleTicket:2")
    [second] = dispatch_event(second_event.pk, enqueue=False)
    assert attempt_delivery(second) == "succeeded"
    assert Delivery.objects.get(pk=first).next_attempt_at <= timezone.now()
    assert attempt_delivery(first) == "succeeded"  # what the sweeper's task does next


def test_broker_outage_never_fails_the_caller_and_is_not_retried_at_once(monkeypatch):
    """A real broker that refuses connections (nothing listens on port 1)."""
    from celery import Celery

    from core import enqueue
    from webhooks.services import broker

    monkeypatch.setattr(enqueue, "_down_until", 0.0)
    dead = Celery("dead-broker", broker="redis://127.0.0.1:1/0")
    dead.conf.broker_connection_timeout = 1
    dead.conf.broker_connection_retry = False

    @dead.task(name="dead.noop")
    def noop():
        pass

    assert broker.send(noop, ()) is False
    assert enqueue._down_until > 0
    assert broker.send(noop, ()) is False  # skipped during the back-off
