"""Power events end to end: a real Celery worker runs the beat task, a real local receiver
(tests/webhooks/receiver.py) subscribed to `power.site_at_risk` gets it before the predicted
time, once per site and outage."""
import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from network.models import Commune
from power.models import NoticeKind, PowerNotice, PowerOutage
from power.tasks import check_sites
from tests.webhooks.receiver import Receiver
from webhooks.models import OutboxEvent
from webhooks.services.subscriptions import create_subscription

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with Receiver() as r:
        yield r


def test_subscriber_gets_site_at_risk_before_the_predicted_time(net, nro_supply, receiver, celery_worker, settings):
    settings.POWER_AT_RISK_LEAD_MINUTES = 60
    create_subscription(net.network.operator, receiver.url("/power"), event_types=["power.site_at_risk"])
    create_subscription(net.network.owner, receiver.url("/all"), event_types=list(NoticeKind.values))
    start = timezone.now() - timedelta(hours=3, minutes=30)  # 4 h of battery: dark in 30 min
    PowerOutage.objects.create(network=net.network, area=Commune.objects.get(insee="29232").geom, start=start,
                               source="Enedis", reference="INC-7")
    assert check_sites.delay().get(timeout=60) == {"net-a": ["power.site_on_battery ST-NRO1",
                                                             "power.site_at_risk ST-NRO1"]}
    [got] = receiver.wait_for(1, "/power")
    received_at = datetime.now(tz=timezone.get_current_timezone())
    body = json.loads(got.body)
    assert body["eventType"] == "power.site_at_risk"
    data = body["event"]
    dark_at = parse_datetime(data["dark_at"])
    assert dark_at == start + timedelta(hours=4)
    assert received_at < dark_at  # warned ahead of the loss of service
    assert data["site"]["code"] == "ST-NRO1" and data["premises_cut"] == 9 and data["state"] == "on_battery"
    assert data["outage"]["reference"] == "INC-7"
    assert sorted(json.loads(r.body)["eventType"] for r in receiver.wait_for(2, "/all")) == [
        "power.site_at_risk", "power.site_on_battery"]
    # the beat runs again: nothing new
    assert check_sites.delay().get(timeout=60) == {"net-a": []}
    assert OutboxEvent.objects.filter(event_type__startswith="power.").count() == 2
    assert PowerNotice.objects.count() == 2
