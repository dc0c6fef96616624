"""Fixtures of the power tests: the small builder network (tests/builders.py) with its NRO on
4 h of battery, and API clients of its owner, its operator and an unrelated operator."""
import pytest

from organisations.models import OrganisationKind
from power.models import PowerSupply
from tests.builders import build_small_network


@pytest.fixture
def net(db):
    return build_small_network()


@pytest.fixture
def nro_supply(net):
    return PowerSupply.objects.create(network=net.network, site=net.sites["ST-NRO1"], battery_hours=4,
                                      mobile_connectable=True)


@pytest.fixture
def clients(net, token_client, make_org):
    owner, operator = net.network.owner, net.network.operator
    other = make_org("oi-b", kind=OrganisationKind.OPERATOR)
    return {
        "owner": token_client(owner, "crisis_manager")[0],
        "operator": token_client(operator, "operator_agent")[0],
        "viewer": token_client(owner, "viewer", username="viewer-syn")[0],
        "other": token_client(other, "crisis_manager")[0],
    }
