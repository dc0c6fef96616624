"""The crisis cell in a real browser: log in, see the map and its layers, switch to English."""
import pytest
from django.contrib.auth import get_user_model

from organisations.models import Membership
from tests.builders import build_small_network
from tests.frontend.conftest import screenshot

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def crisis_user():
    net = build_small_network()
    user = get_user_model().objects.create_user("cellule", password="pw-for-tests-1")
    Membership.objects.create(user=user, organisation=net.network.owner, role="crisis_manager")
    return net


def log_in(page, username="cellule", password="pw-for-tests-1"):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_log_in_see_map_switch_to_english(page, crisis_user):
    log_in(page)
    assert page.locator("h1").inner_text() == "Tableau de bord"
    screenshot(page, "dashboard-fr")
    page.click("text=Carte")
    page.wait_for_selector("#map .maplibregl-canvas, #map canvas")
    assert page.locator("#layer-switcher input[data-layer]").count() >= 9
    screenshot(page, "map-fr")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("a[aria-current=page]").inner_text() == "Map"
    screenshot(page, "map-en")
