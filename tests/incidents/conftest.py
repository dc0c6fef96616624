"""Fixtures of the incidents tests: two small networks (net-a of syn-a operated by oi-a, net-b of
syn-b operated by oi-b) and token clients for each role."""
import pytest

from tests.builders import build_small_network

TT = "/tmf-api/troubleTicket/v4/troubleTicket"


@pytest.fixture
def net(db):
    return build_small_network("net-a", "syn-a", "oi-a")


@pytest.fixture
def net_b(db):
    return build_small_network("net-b", "syn-b", "oi-b")


@pytest.fixture
def clients(net, net_b, token_client):
    """name -> APIClient: op (operator_agent oi-a), syn (crisis_manager syn-a), viewer, elected (syn-a),
    other_op (operator_agent oi-b)."""
    owner, operator = net.network.owner, net.network.operator
    other = net_b.network.operator
    return {
        "op": token_client(operator, "operator_agent")[0],
        "syn": token_client(owner, "crisis_manager")[0],
        "viewer": token_client(owner, "viewer")[0],
        "elected": token_client(owner, "elected_official")[0],
        "other_op": token_client(other, "operator_agent")[0],
    }


def ticket_body(**extra):
    body = {
        "description": "Poteau cassé, câble D1 au sol",
        "severity": "major",
        "ticketType": "incident",
        "relatedEntity": [{"id": "CM-D1a", "@referredType": "RouteSegment", "role": "damaged"}],
    }
    body.update(extra)
    return body


@pytest.fixture
def create_ticket(clients):
    def create(client="op", **extra):
        response = clients[client].post(TT, ticket_body(**extra), format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return create


def patch(client, ticket_id, body, content_type="application/merge-patch+json"):
    import json

    return client.patch(f"{TT}/{ticket_id}", json.dumps(body), content_type=content_type)
