"""Power events without a worker: which kind is due when, once per site and episode, the
configurable lead time, and the beat sweeping a dark declaration whose task was lost."""
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from network.models import Commune
from power.models import PowerNotice, PowerOutage
from power.services.notices import check_network, networks_to_check
from power.services.supplies import declare_state
from webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db


def outage(net, hours_ago):
    return PowerOutage.objects.create(network=net.network, area=Commune.objects.get(insee="29232").geom,
                                      start=timezone.now() - timedelta(hours=hours_ago), source="Enedis")


def test_lead_time_is_configurable(net, nro_supply, settings):
    outage(net, 3.25)  # dark in 45 min
    settings.POWER_AT_RISK_LEAD_MINUTES = 30
    assert check_network(net.network) == ["power.site_on_battery ST-NRO1"]
    settings.POWER_AT_RISK_LEAD_MINUTES = 60
    assert check_network(net.network) == ["power.site_at_risk ST-NRO1"]
    assert check_network(net.network) == []


def test_dark_once_per_outage_and_again_for_a_new_outage(net, nro_supply):
    first = outage(net, 5)
    assert check_network(net.network) == ["power.site_dark ST-NRO1"]  # already past dark_at: no at-risk after the fact
    assert check_network(net.network) == []
    first.ended_at = timezone.now()
    first.save()
    outage(net, 4.5)
    assert check_network(net.network) == ["power.site_dark ST-NRO1"]
    event = OutboxEvent.objects.filter(event_type="power.site_dark").order_by("-pk").first()
    assert event.payload["site"]["code"] == "ST-NRO1" and event.payload["premises_cut"] == 9
    assert event.subject == "powerSite:net-a:ST-NRO1"
    assert set(event.organisation_ids) == {net.network.owner_id, net.network.operator_id}


def test_connected_generator_sends_nothing(net, nro_supply):
    nro_supply.generator = "connected"
    nro_supply.save()
    outage(net, 5)
    assert check_network(net.network) == []


def test_beat_sweeps_a_dark_declaration_whose_task_was_lost(net, nro_supply, monkeypatch):
    monkeypatch.setattr("power.services.supplies.schedule_check", lambda network_id: None)  # the broker lost it
    with transaction.atomic():
        declare_state(nro_supply, "dark", comment="alarme OLT")
    assert list(networks_to_check()) == [net.network]
    assert check_network(net.network) == ["power.site_dark ST-NRO1"]
    assert list(networks_to_check()) == []
    assert PowerNotice.objects.get().episode.startswith("override:")
