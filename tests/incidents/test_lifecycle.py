"""The status lifecycle: every allowed transition, forbidden ones named, statusChange history."""
import pytest

from incidents.models import TicketStatus, TroubleTicket
from incidents.services.lifecycle import ALLOWED_TRANSITIONS, transition_error

from .conftest import patch

pytestmark = pytest.mark.django_db

# A path from « acknowledged » to each status, used to bring a ticket to the start of a transition.
PATH_TO = {
    "acknowledged": [],
    "inProgress": ["inProgress"],
    "pending": ["inProgress", "pending"],
    "held": ["inProgress", "held"],
    "resolved": ["inProgress", "resolved"],
    "closed": ["inProgress", "resolved", "closed"],
    "cancelled": ["cancelled"],
    "rejected": ["rejected"],
}
ALLOWED = sorted((start, end) for start, ends in ALLOWED_TRANSITIONS.items() for end in ends)


def test_the_lifecycle_covers_the_eight_tmf_statuses():
    assert set(ALLOWED_TRANSITIONS) == set(TicketStatus.values) == {
        "acknowledged", "rejected", "pending", "held", "inProgress", "cancelled", "closed", "resolved"}
    assert ("resolved", "inProgress") in ALLOWED  # the fix did not hold
    assert transition_error("closed", "inProgress")


@pytest.mark.parametrize("start,end", ALLOWED)
def test_allowed_transition(clients, create_ticket, start, end):
    ticket = create_ticket()
    for step in PATH_TO[start]:
        assert patch(clients["op"], ticket["id"], {"status": step}).status_code == 200
    response = patch(clients["op"], ticket["id"], {"status": end, "statusChangeReason": f"vers {end}"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == end and body["statusChangeReason"] == f"vers {end}"
    assert [s["status"] for s in body["statusChange"]] == ["acknowledged", *PATH_TO[start], end]


@pytest.mark.parametrize("start,end", [("acknowledged", "resolved"), ("closed", "inProgress"), ("pending", "held"),
                                       ("cancelled", "acknowledged")])
def test_forbidden_transition_names_both_statuses(clients, create_ticket, start, end):
    ticket = create_ticket()
    for step in PATH_TO[start]:
        patch(clients["op"], ticket["id"], {"status": step})
    response = patch(clients["op"], ticket["id"], {"status": end})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["path"] == "status" and f"'{start}'" in error["reason"] and f"'{end}'" in error["reason"]
    assert TroubleTicket.objects.get(pk=ticket["id"]).status == start


def test_status_history_and_dates(clients, create_ticket):
    ticket = create_ticket()
    patch(clients["op"], ticket["id"], {"status": "inProgress", "statusChangeReason": "équipe sur place"})
    resolved = patch(clients["op"], ticket["id"], {"status": "resolved"}).json()
    assert resolved["resolutionDate"] == resolved["statusChangeDate"]
    reopened = patch(clients["syn"], ticket["id"], {"status": "inProgress", "statusChangeReason": "toujours coupé"}).json()
    assert "resolutionDate" not in reopened
    history = reopened["statusChange"]
    assert [(s["status"], s.get("changeReason")) for s in history] == [
        ("acknowledged", None), ("inProgress", "équipe sur place"), ("resolved", None), ("inProgress", "toujours coupé")]
    dates = [s["changeDate"] for s in history]
    assert dates == sorted(dates)


def test_status_reason_alone_is_refused(clients, create_ticket):
    ticket = create_ticket()
    response = patch(clients["op"], ticket["id"], {"statusChangeReason": "pourquoi pas"})
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "statusChangeReason"
