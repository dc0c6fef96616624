"""The crisis cell in a real browser (Debian chromium driven by Playwright): log in, see the map
and its layers (vector tiles served), open an asset's card by clicking it, declare damage, see the
ticket in the list and on the dashboard (live refresh), switch to English. Screenshots go to
test-artifacts/."""
import re

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


def wait_js(page, expression, timeout=30000):
    """page.wait_for_function evaluates a string predicate with eval(), which the page's
    Content-Security-Policy (no 'unsafe-eval') forbids; page.evaluate is not subject to it."""
    import time

    deadline = time.monotonic() + timeout / 1000
    while True:
        if page.evaluate(expression):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        page.wait_for_timeout(100)


def log_in(page, username="cellule", password="pw-for-tests-1"):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def open_map_and_wait_for_tiles(page):
    """Go to the map; wait for a vector tile of the network served (200) and the map to settle."""
    with page.expect_response(lambda r: re.search(r"/tiles/supports/\d+/\d+/\d+\.pbf\?network=net-a", r.url)
                              and r.status == 200, timeout=30000):
        page.click("nav >> text=Carte")
    page.wait_for_selector("#map canvas")
    wait_js(page, "window.vigie && window.vigie.gl && window.vigie.gl.loaded() && window.vigie.gl.areTilesLoaded()",
                           timeout=30000)


def lonlat_of(model, code):
    from django.contrib.gis.db.models.functions import Transform

    geom = model.objects.annotate(g=Transform("geom", 4326)).get(code=code).g
    return geom.x, geom.y


def click_asset(page, lon, lat):
    """Click the map where an asset is: its container point from Leaflet plus the container's offset."""
    x, y = page.evaluate(
        """([lon, lat]) => { const m = window.vigie.map; const p = m.latLngToContainerPoint([lat, lon]);
            const r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""", [lon, lat])
    page.mouse.click(x, y)


def test_log_in_see_map_switch_to_english(page, crisis_user):
    log_in(page)
    assert page.locator("h1").inner_text() == "Tableau de bord"
    screenshot(page, "dashboard-fr")
    open_map_and_wait_for_tiles(page)
    assert page.locator("#layer-switcher input[data-layer]").count() >= 9
    layers = page.evaluate("window.vigie.gl.getStyle().layers.map(l => l.id)")
    for layer in ("communes-fill", "routes", "supports", "sites", "enclosures", "premises-heat"):
        assert layer in layers
    rendered = page.evaluate("window.vigie.gl.queryRenderedFeatures({layers: ['routes']}).length")
    assert rendered > 0  # the routes are drawn
    screenshot(page, "map-fr")
    page.uncheck("#layer-switcher input[data-layer=routes]")
    assert page.evaluate("window.vigie.gl.getLayoutProperty('routes', 'visibility')") == "none"
    page.check("#layer-switcher input[data-layer=routes]")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("a[aria-current=page]").inner_text() == "Map"
    screenshot(page, "map-en")


def test_declare_damage_on_a_pole_and_see_the_ticket(page, crisis_user):
    from incidents.models import TroubleTicket
    from network.models import SupportPoint

    log_in(page)
    open_map_and_wait_for_tiles(page)
    lon, lat = lonlat_of(SupportPoint, "PT-A1")
    click_asset(page, lon, lat)
    card = page.locator("#asset-card")
    card.wait_for(state="visible")
    assert card.locator("h2").inner_text() == "PT-A1"
    page.wait_for_selector("#asset-card [data-figure=serves-premises]")
    assert card.locator("[data-figure=serves-premises]").inner_text() == "6"  # the pole carries the drop to 6 premises
    also = " ".join(card.locator("button[data-also]").all_inner_texts())
    assert "CM-D1a" in also and "CM-D1b" in also  # the segments meeting at the pole, one click away
    screenshot(page, "map-asset-card")
    page.click("#declare-damage")
    page.wait_for_url("**/tickets/nouveau/**")
    assert page.input_value("#id_asset_code") == "PT-A1"
    assert page.input_value("#id_asset_type") == "SupportPoint"
    assert page.input_value("#id_network") == "net-a"
    page.select_option("#id_severity", "critical")
    page.fill("#id_description", "Poteau à terre après la tempête")
    screenshot(page, "ticket-form")
    page.click("#ticket-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    ticket = TroubleTicket.objects.get()
    assert page.locator("#ticket-status").inner_text() == "Pris en compte"
    screenshot(page, "ticket-detail")
    page.click("nav >> text=Tickets")
    page.wait_for_url("**/tickets/")
    row = page.locator(f"#ticket-table a[href='/tickets/{ticket.pk}/']").first
    assert row.is_visible()
    assert "Poteau à terre" in page.locator("#ticket-table").inner_text()
    screenshot(page, "ticket-list")
    # back on the map the ticket is an overlay marker on the pole
    open_map_and_wait_for_tiles(page)
    page.wait_for_selector(".ticket-marker")
    assert page.locator(".ticket-marker").count() == 1
    page.click(".ticket-marker")  # the marker opens the damaged asset's card, which lists the ticket
    wait_js(page, "document.getElementById('asset-card-title') "
                  "&& document.getElementById('asset-card-title').textContent === 'PT-A1'")
    page.wait_for_selector(f"#asset-tickets a[href='/tickets/{ticket.pk}/']")
    screenshot(page, "map-ticket-marker")


def test_dashboard_refreshes_without_reloading(page, crisis_user):
    from django.contrib.auth import get_user_model

    from tests.frontend.conftest import ui_ticket

    log_in(page)
    assert page.locator("[data-figure=tickets-open]").inner_text() == "0"
    page.evaluate("window.__marker = 'same page'")
    wait_js(page, "window.vigieLive.polls >= 1")  # the first poll is the reference
    net = crisis_user.network
    ui_ticket(net, get_user_model().objects.get(username="cellule"), net.owner, [("RouteSegment", "CM-D1a")])
    page.evaluate("window.vigieLive.pollNow()")
    wait_js(page, "document.querySelector('[data-figure=tickets-open]').textContent === '1'", timeout=15000)
    assert page.locator("[data-figure=cut]").inner_text() == "6"
    assert page.evaluate("window.__marker") == "same page"  # no reload
    # the commune table sorts from the keyboard
    page.focus("#commune-table thead button >> nth=0")
    page.keyboard.press("Enter")
    assert page.get_attribute("#commune-table thead th >> nth=0", "aria-sort") in ("ascending", "descending")
    screenshot(page, "dashboard-live")


def test_draw_a_manual_alert_on_the_map(page, crisis_user):
    from resilience.models import Alert

    log_in(page)
    page.goto("/alertes/nouvelle/")
    wait_js(page, "window.vigieDraw && window.vigieDraw.map")
    page.select_option("#id_hazard", "wind")
    page.select_option("#id_level", "4")
    page.fill("#id_headline", "Tempête dessinée")
    page.click(".leaflet-draw-draw-polygon")
    box = page.locator("#draw-map").bounding_box()
    corners = [(0.35, 0.45), (0.8, 0.45), (0.8, 0.85), (0.35, 0.85)]  # clear of the draw toolbar
    for fx, fy in corners:
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(150)  # Leaflet.draw ignores clicks closer together than a double-click
    page.mouse.click(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.45)  # close on the first point
    wait_js(page, "document.getElementById('id_geometry').value.length > 0")
    screenshot(page, "alert-draw")
    page.click("#alert-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/alertes/\d+/$"))
    alert = Alert.objects.get()
    assert alert.level == 4 and alert.source == "manual" and alert.headline == "Tempête dessinée"
    assert alert.area.num_coords >= 5
    screenshot(page, "alert-detail")


def test_pages_on_a_tablet(browser, live_server, crisis_user):
    """Every crisis-cell page at tablet size (768×1024), in French, with data in it."""
    from django.utils import timezone

    from incidents.models import Contact, Crisis, OnCallPeriod
    from incidents.services.crisis import append_log_entry
    from tests.frontend.conftest import ARTIFACTS, manual_alert, ui_ticket

    net = crisis_user.network
    user = get_user_model().objects.get(username="cellule")
    manual_alert(net, net.owner)
    ticket = ui_ticket(net, user, net.owner, [("SupportPoint", "PT-A1")])
    crisis = Crisis.objects.create(name="Tempête Ciarán", level="crisis")
    crisis.networks.add(net)
    append_log_entry(crisis, author=user, organisation=net.owner, kind="decision", text="Priorité à l'hôpital")
    contact = Contact.objects.create(organisation=net.owner, name="Alice Astreinte", role="astreinte réseau", phone="0600000001")
    now = timezone.now()
    OnCallPeriod.objects.create(contact=contact, starts_at=now - timezone.timedelta(hours=1), ends_at=now + timezone.timedelta(hours=8))
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 768, "height": 1024})
    page = context.new_page()
    try:
        log_in(page)
        ARTIFACTS.mkdir(exist_ok=True)
        for name, url in (("dashboard", "/"), ("alerts", "/alertes/"), ("tickets", "/tickets/"),
                          ("ticket", f"/tickets/{ticket.pk}/"), ("crisis-log", "/main-courante/"),
                          ("contacts", "/contacts/"), ("commune", "/communes/29232/"), ("map", "/carte/")):
            page.goto(url)
            assert page.locator("h1, #map").first.is_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 768 + 1, f"{url} scrolls sideways ({width}px)"
            if name == "map":  # the exposed assets of the alert, drawn over the tiles
                wait_js(page, "window.vigie && window.vigie.overlays")
                page.select_option("#exposure-alert", index=1)
                wait_js(page, "/^[1-9]\\d* /.test(document.getElementById('exposure-status').textContent)")
                page.wait_for_selector(".ticket-marker")
            page.screenshot(path=str(ARTIFACTS / f"tablet-{name}.png"), full_page=True)
    finally:
        context.close()
