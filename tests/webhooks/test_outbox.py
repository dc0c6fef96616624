"""The outbox: events are written with the change, numbered per subject, and vanish on rollback."""
import pytest
from django.db import transaction

from webhooks.models import OutboxEvent
from webhooks.services.outbox import emit


def test_events_of_one_subject_are_numbered_in_order(db):
    first = emit("TroubleTicketCreateEvent", {"a": 1}, organisations=[1, 2], subject="troubleTicket:1")
    second = emit("TroubleTicketStateChangeEvent", {"a": 2}, organisations=[2, 1, None], subject="troubleTicket:1")
    other = emit("TroubleTicketCreateEvent", {"a": 3}, organisations=[3], subject="troubleTicket:2")
    assert (first.sequence, second.sequence, other.sequence) == (1, 2, 1)
    assert second.organisation_ids == [1, 2]


def test_event_rolls_back_with_the_change(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("alert.created", {}, organisations=[1])
        raise RuntimeError("the change failed")
    assert not OutboxEvent.objects.exists()
