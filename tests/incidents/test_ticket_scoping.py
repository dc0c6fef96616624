"""Who sees and writes tickets: the network's owner and operator; nobody else; elected officials no
detail; viewers read only."""
import pytest

from .conftest import TT, patch, ticket_body

pytestmark = pytest.mark.django_db


def test_operator_ticket_is_read_by_owner_and_404_for_another_operator(clients, create_ticket):
    ticket = create_ticket("op")
    assert clients["syn"].get(f"{TT}/{ticket['id']}").status_code == 200
    assert clients["viewer"].get(f"{TT}/{ticket['id']}").status_code == 200
    response = clients["other_op"].get(f"{TT}/{ticket['id']}")
    assert response.status_code == 404 and response.json()["code"] == "404"
    assert patch(clients["other_op"], ticket["id"], {"status": "inProgress"}).status_code == 404
    listing = clients["other_op"].get(TT)
    assert listing.json() == [] and listing["X-Total-Count"] == "0"


def test_elected_officials_see_no_ticket(clients, create_ticket):
    ticket = create_ticket("op")
    assert clients["elected"].get(TT).status_code == 403
    assert clients["elected"].get(f"{TT}/{ticket['id']}").status_code == 403
    assert clients["elected"].post(TT, ticket_body(), format="json").status_code == 403


def test_viewer_reads_only(clients, create_ticket):
    ticket = create_ticket("syn")
    assert clients["viewer"].post(TT, ticket_body(), format="json").status_code == 403
    assert patch(clients["viewer"], ticket["id"], {"description": "x"}).status_code == 403
    assert clients["syn"].get(TT)["X-Total-Count"] == "1"


def test_anonymous_is_refused(clients, create_ticket):
    from rest_framework.test import APIClient

    response = APIClient().get(TT)
    assert response.status_code == 401 and response.json()["code"] == "401"


def test_other_operator_cannot_create_on_a_network_it_does_not_operate(clients, net):
    response = clients["other_op"].post(TT, ticket_body(network="net-a"), format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "network"
