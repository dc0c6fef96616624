"""Reporting fixtures: the crisis cell of tests/frontend (builder network net-a in Quimper, its
crisis manager, the mayor, another operator) plus an open crisis with a ticket and an alert."""
import pytest

from tests.frontend.conftest import cell, make_user, manual_alert, ui_ticket  # noqa: F401  (fixtures reused)


@pytest.fixture
def crisis(cell):
    from incidents.services.crisis import open_crisis
    from organisations.scoping import Principal

    principal = Principal(user=cell.manager, roles={cell.network.owner_id: "crisis_manager"}, is_superuser=False)
    alert = manual_alert(cell.network, cell.network.owner)
    c = open_crisis(principal, cell.manager, name="Tempête Ciarán", level="crisis", networks=[cell.network],
                    alert_ids=[str(alert.pk)])
    ticket = ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1")])
    c.test_alert, c.test_ticket = alert, ticket
    return c
