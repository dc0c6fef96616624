"""GTR timers: targets per severity from settings, breach flags and time left in the API."""
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import TroubleTicket

from .conftest import TT, patch

pytestmark = pytest.mark.django_db


def test_fresh_ticket_has_running_timers(clients, create_ticket):
    sla = create_ticket(severity="critical")["sla"]
    assert sla["timeToAcknowledge"]["targetHours"] == 1 and sla["timeToRestore"]["targetHours"] == 4
    assert not sla["timeToAcknowledge"]["breached"] and not sla["timeToRestore"]["breached"]
    assert 0 < sla["timeToRestore"]["timeLeftSeconds"] <= 4 * 3600


def test_old_ticket_is_breached(clients, create_ticket):
    ticket = create_ticket(severity="major")  # 2 h to acknowledge, 8 h to restore
    TroubleTicket.objects.filter(pk=ticket["id"]).update(creation_date=timezone.now() - timedelta(hours=3))
    sla = clients["syn"].get(f"{TT}/{ticket['id']}").json()["sla"]
    assert sla["timeToAcknowledge"]["breached"] and sla["timeToAcknowledge"]["timeLeftSeconds"] < 0
    assert not sla["timeToRestore"]["breached"]
    assert 4 * 3600 < sla["timeToRestore"]["timeLeftSeconds"] <= 5 * 3600


def test_timers_stop_when_taken_in_charge_and_restored(clients, create_ticket):
    ticket = create_ticket(severity="minor")  # 4 h / 24 h
    TroubleTicket.objects.filter(pk=ticket["id"]).update(creation_date=timezone.now() - timedelta(hours=30))
    patch(clients["op"], ticket["id"], {"status": "inProgress"})
    sla = patch(clients["op"], ticket["id"], {"status": "resolved"}).json()["sla"]
    for timer in sla.values():
        assert timer["breached"] and timer["stoppedAt"] and timer["timeLeftSeconds"] is None

    fresh = create_ticket(severity="minor")
    patch(clients["op"], fresh["id"], {"status": "inProgress"})
    sla = patch(clients["op"], fresh["id"], {"status": "resolved"}).json()["sla"]
    assert not sla["timeToAcknowledge"]["breached"] and not sla["timeToRestore"]["breached"]


def test_targets_come_from_settings(clients, create_ticket, settings):
    settings.TROUBLE_TICKET_SLA = {"critical": {"acknowledge": 0.5, "restore": 2}}
    sla = create_ticket(severity="critical")["sla"]
    assert (sla["timeToAcknowledge"]["targetHours"], sla["timeToRestore"]["targetHours"]) == (0.5, 2)
