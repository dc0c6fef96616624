"""Fault injection against the real process tree of `make run` (tests/reliability/supervised.py),
with a Redis of the test's own and PostgreSQL reached through a proxy the test can cut, so the
suite's shared services are never killed:

1. Redis killed: a GeoJSON alert and a trouble ticket are accepted (2xx); once Redis is back the
   alert's exposure is computed (the sweeper) — nothing lost.
2. The worker killed (SIGKILL) in the middle of a webhook delivery: after its restart the delivery
   completes, and the receiver sees one single webhook-id for the (event, subscription) pair.
3. PostgreSQL cut during requests: 5xx only while it is away; the service recovers by itself,
   with the same processes (no restart).
"""
import json
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from organisations.services import issue_token
from resilience.models import ExposureRun, ExposureStatus
from tests.builders import build_small_network
from tests.incidents.conftest import ticket_body
from tests.resilience.test_alerts_api import feature
from webhooks.models import Delivery, DeliveryStatus

from .faults import OwnRedis, Receiver, TcpProxy, kill
from .supervised import Supervised, database_url, get

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def post(url, body, token, timeout=30):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Token {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read()[:500]


def wait_for(predicate, timeout, step=1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def test_redis_worker_and_postgresql_faults(tmp_path, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    net = build_small_network()
    _, token = issue_token("ops-faults", net.network.operator, "operator_agent")
    receiver = Receiver(hold_first=12)
    from webhooks.services.subscriptions import create_subscription

    subscription = create_subscription(net.network.operator, receiver.url, event_types=["TroubleTicketCreateEvent"])

    redis = OwnRedis(tmp_path).start()
    d = connection.settings_dict
    proxy = TcpProxy(d["HOST"] or "127.0.0.1", d["PORT"]).start()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    tree = Supervised(run_dir, extra_env={
        "REDIS_URL": redis.url, "DATABASE_URL": database_url().replace(f":{d['PORT']}/", f":{proxy.port}/"),
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "WEBHOOK_SWEEP_INTERVAL": "3", "WEBHOOK_READ_TIMEOUT": "3",
        "WEBHOOK_CONNECT_TIMEOUT": "1", "EXPOSURE_SWEEP_SECONDS": "3", "ENQUEUE_SWEEP_GRACE": "3",
        "ENQUEUE_BROKER_BACKOFF": "2", "WORKER_CONCURRENCY": "2",
    }).start()
    try:
        tree.wait_healthy()

        # 1. Redis killed: writes accepted, nothing lost
        redis.kill()
        status, alert = post(tree.base + "/api/v1/alerts/", feature(), token)
        assert status == 201, (alert, tree.output())
        alert_id = alert["alerts"][-1]
        status, ticket = post(tree.base + "/tmf-api/troubleTicket/v4/troubleTicket", ticket_body(), token)
        assert status == 201, (ticket, tree.output())
        assert not ExposureRun.objects.filter(alert_id=alert_id).exists()
        redis.start()
        assert wait_for(lambda: ExposureRun.objects.filter(alert_id=alert_id, status=ExposureStatus.CURRENT).exists(),
                        120), tree.output()

        # 2. the ticket's webhook: the worker is killed while the receiver holds the first request
        assert receiver.first_seen.wait(90), tree.output()
        worker = tree.children()["worker"]
        kill(worker)
        delivery = lambda: Delivery.objects.filter(subscription=subscription).first()  # noqa: E731
        assert wait_for(lambda: delivery() is not None and delivery().status == DeliveryStatus.SUCCEEDED, 150), \
            (delivery() and delivery().status, receiver.ids, tree.output())
        assert tree.children()["worker"] != worker
        assert len(set(receiver.ids)) == 1 == Delivery.objects.filter(subscription=subscription).count()
        assert receiver.ids[0] == str(delivery().event_id)

        # 3. PostgreSQL cut: 5xx (or 503 health) only while it is away, then back with the same processes
        pids = tree.children()
        proxy.stop()
        status, body = get(tree.base + "/healthz")
        assert status == 503 and body["database"].startswith("error"), body
        proxy.start()
        assert wait_for(lambda: get(tree.base + "/healthz")[0] == 200, 60), get(tree.base + "/healthz")
        status, listing = get(tree.base + "/api/v1/alerts/")  # anonymous: 401/403, but answered by a live database
        assert status in (401, 403)
        status, _ = post(tree.base + "/tmf-api/troubleTicket/v4/troubleTicket", ticket_body(), token)
        assert status == 201
        assert tree.children() == pids, "a process was restarted"
    finally:
        tree.stop()
        redis.kill()
        proxy.stop()
        receiver.close()
