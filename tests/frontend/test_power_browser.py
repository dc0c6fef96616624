"""The power layer (power app, issue 15) in a real browser (Debian chromium via Playwright): the NRO on
battery drawn with its predicted time and premises, the dispatch line from the depot, no CSP-unsafe
inline script needed; the dashboard shows the timeline line."""
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from network.models import Commune
from organisations.models import Membership
from power.models import MobileGenerator, PowerOutage, PowerSupply
from tests.builders import build_small_network, point
from tests.frontend.conftest import screenshot
from tests.frontend.test_browser import log_in, wait_js

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_power_layer_and_dispatch_on_the_map(page):
    net = build_small_network()
    user = get_user_model().objects.create_user("cellule", password="pw-for-tests-1")
    Membership.objects.create(user=user, organisation=net.network.owner, role="crisis_manager")
    PowerSupply.objects.create(network=net.network, site=net.sites["ST-NRO1"], battery_hours=4, mobile_connectable=True)
    MobileGenerator.objects.create(network=net.network, name="Dépôt Ergué", depot=point(3000, 3000), count=1)
    start = timezone.now() - timedelta(hours=1)
    PowerOutage.objects.create(network=net.network, area=Commune.objects.get(insee="29232").geom, start=start)
    log_in(page)
    assert page.locator(".power-timeline li").first.inner_text().startswith("NRO ST-NRO1 sur batterie : coupure prévue à")
    page.click("nav >> text=Carte")
    wait_js(page, "window.vigie && window.vigie.power && window.vigie.power.getLayers().length >= 3",
                           timeout=30000)
    # one site marker, one dispatch line, one depot marker
    kinds = page.evaluate("window.vigie.power.getLayers()"
                          ".map(l => l instanceof L.Polyline && !(l instanceof L.CircleMarker) ? 'line' : 'point')")
    assert sorted(kinds) == ["line", "point", "point"]
    tooltip = page.evaluate("window.vigie.power.getLayers().filter(l => l.getTooltip && l.getTooltip())"
                            ".map(l => l.getTooltip().getContent())[0]")
    assert "Dépôt Ergué → ST-NRO1 : sauve 9 locaux" in tooltip
    popup = page.evaluate("window.vigie.power.getLayers().filter(l => l.getPopup && l.getPopup()).map(l => l.getPopup().getContent())[0]")
    assert "sur batterie" in popup and "9 locaux" in popup
    screenshot(page, "power-map")
    page.uncheck("input[data-layer=power]")
    assert page.evaluate("window.vigie.map.hasLayer(window.vigie.power)") is False
