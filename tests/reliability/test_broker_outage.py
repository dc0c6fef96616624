"""Broker away: every write path commits, answers 2xx, and the sweepers pick the work up after.

The broker failure is real kombu behaviour (`OperationalError` from `apply_async`, what a dead
Redis raises); the sweepers then run against the real Redis and a real worker.
"""
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import enqueue
from network.models import ImportRun
from resilience.models import Alert, ExposureRun, ExposureStatus, RawMessage, RawOutcome
from tests.builders import build_small_network
from tests.resilience.test_alerts_api import feature

pytestmark = [pytest.mark.integration]


@pytest.fixture
def broker_down(monkeypatch):
    """Every task send fails as with Redis killed; the back-off is reset before and after."""
    from celery.app.task import Task

    def refuse(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    enqueue.reset()
    monkeypatch.setattr(Task, "apply_async", refuse)
    yield
    enqueue.reset()


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.django_db(transaction=True)
def test_geojson_alert_with_broker_down_is_201_then_swept(token_client, broker_down, monkeypatch, celery_worker):
    net = build_small_network()
    client, _ = token_client(net.network.owner)
    response = client.post("/api/v1/alerts/", data=json.dumps(feature()), content_type="application/json")
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    alert = Alert.objects.get(pk=body["alerts"][-1])
    assert alert.lifecycle == "active"
    assert RawMessage.objects.get(pk=body["raw_message"]).outcome == RawOutcome.ACCEPTED
    assert not ExposureRun.objects.filter(alert=alert).exists()
    # the exposure endpoint says pending (and its own enqueue does not fail either)
    assert client.get(f"/api/v1/alerts/{alert.pk}/exposure/").status_code == 202

    # the broker is back: the sweeper finds the alert without a current run and re-enqueues it
    monkeypatch.undo()
    enqueue.reset()
    from resilience.services.exposure_sweep import alerts_missing_exposure, sweep

    later = timezone.now() + timedelta(minutes=5)
    assert [a.pk for a in alerts_missing_exposure(later)] == [alert.pk]
    from django.core.cache import cache

    cache.delete(f"exposure-sweep:{alert.pk}")
    assert sweep(later)["enqueued"] == 1
    assert wait_for(lambda: ExposureRun.objects.filter(alert=alert, status=ExposureStatus.CURRENT).exists())
    response = client.get(f"/api/v1/alerts/{alert.pk}/exposure/")
    assert response.status_code == 200 and response.json()["per_commune"], response.json()
    # visible first, complete a moment later (its impact, then its asset list): then nothing to sweep
    assert wait_for(lambda: alerts_missing_exposure(later) == [])
    assert client.get(f"/api/v1/alerts/{alert.pk}/exposure/").json()["impact"]["ready"] is True


@pytest.mark.django_db(transaction=True)
def test_cap_alert_with_broker_down_is_201(token_client, broker_down):
    from tests.resilience.capdocs import cap

    net = build_small_network()
    client, _ = token_client(net.network.owner)
    response = client.post("/api/v1/alerts/", data=cap(), content_type="application/xml")
    assert response.status_code == 201, response.content[:500]
    assert RawMessage.objects.get(pk=response.json()["raw_message"]).outcome == RawOutcome.ACCEPTED


@pytest.mark.django_db(transaction=True)
def test_import_with_broker_down_is_202_then_swept(token_client, broker_down, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    net = build_small_network()
    client, _ = token_client(net.network.owner)
    upload = SimpleUploadedFile("delivery.zip", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
    response = client.post("/api/v1/imports/", {"network": net.network.slug, "file": upload}, format="multipart")
    assert response.status_code == 202, response.content[:500]
    run = ImportRun.objects.get(pk=response.json()["id"])
    assert run.state == ImportRun.State.PENDING

    sent = []
    monkeypatch.setattr(enqueue, "send", lambda task, args=(), countdown=None: sent.append((task.name, args)) or True)
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    from django.core.cache import cache

    cache.delete(f"import-sweep:{run.pk}")
    from network.tasks import sweep_imports

    assert sweep_imports() == 1 and sent == [("network.import_gracethd", (run.pk,))]
    assert sweep_imports() == 0  # held: not enqueued twice while it waits in the queue


@pytest.mark.django_db(transaction=True)
def test_ticket_with_broker_down_is_201(token_client, broker_down):
    net = build_small_network()
    client, _ = token_client(net.network.operator, role="operator_agent")
    from tests.incidents.conftest import ticket_body

    ticket = ticket_body()
    response = client.post("/tmf-api/troubleTicket/v4/troubleTicket", data=ticket, format="json")
    assert response.status_code == 201, response.content[:500]


@pytest.mark.django_db
def test_webhook_purge_keeps_pending_dead_and_latest_of_subject():
    from webhooks.models import Delivery, DeliveryStatus, OutboxEvent, Subscription
    from webhooks.services.purge import purge

    from organisations.models import Organisation

    org = Organisation.objects.create(slug="syn-p", name="Syn P", kind="syndicate")
    sub = Subscription.objects.create(organisation=org, callback="https://example.org/hook", secret="s" * 32)
    old = timezone.now() - timedelta(days=40)

    def event(subject, sequence, status):
        e = OutboxEvent.objects.create(event_type="TroubleTicketCreateEvent", payload={}, organisation_ids=[org.pk],
                                       subject=subject, sequence=sequence, dispatched_at=old)
        OutboxEvent.objects.filter(pk=e.pk).update(created_at=old)
        Delivery.objects.create(event=e, subscription=sub, subject=subject, sequence=sequence, status=status)
        return e.pk

    delivered = event("troubleTicket:1", 1, DeliveryStatus.SUCCEEDED)
    latest = event("troubleTicket:1", 2, DeliveryStatus.SUCCEEDED)
    dead = event("troubleTicket:2", 1, DeliveryStatus.DEAD)
    dead_later = event("troubleTicket:2", 2, DeliveryStatus.SUCCEEDED)
    recent = event("troubleTicket:3", 1, DeliveryStatus.SUCCEEDED)
    OutboxEvent.objects.filter(pk=recent).update(created_at=timezone.now())
    event("troubleTicket:3", 2, DeliveryStatus.SUCCEEDED)
    assert purge() == 1
    assert delivered not in set(OutboxEvent.objects.values_list("pk", flat=True))
    assert {latest, dead, dead_later, recent} <= set(OutboxEvent.objects.values_list("pk", flat=True))
    assert delivered not in set(Delivery.objects.values_list("event_id", flat=True))
