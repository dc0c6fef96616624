"""Server-rendered pages: login required, French by default, English on request, scoped content."""
import json

import pytest
from django.contrib.auth import get_user_model

from organisations.models import Membership
from tests.builders import build_small_network


@pytest.fixture
def cell_user(db):
    net = build_small_network()
    user = get_user_model().objects.create_user("cellule", password="pw-for-tests-1")
    Membership.objects.create(user=user, organisation=net.network.owner, role="crisis_manager")
    return user, net


def test_pages_need_login(client, db):
    for url in ("/", "/carte/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_login_page_is_french_by_default_and_english_on_request(client, db):
    assert "Connexion" in client.get("/accounts/login/").content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in" in english and "Connexion" not in english


def test_map_page_carries_the_visible_network_and_its_bounds(client, cell_user):
    user, net = cell_user
    client.force_login(user)
    html = client.get("/carte/").content.decode()
    start = html.index('<script id="map-config" type="application/json">') + len('<script id="map-config" type="application/json">')
    config = json.loads(html[start:html.index("</script>", start)])
    assert config["network"] == "net-a"
    minlon, minlat, maxlon, maxlat = config["bounds"]
    assert -4.2 < minlon < maxlon < -4.0 and 47.9 < minlat < maxlat < 48.1  # Quimper
    assert "/static/vendor/maplibre-gl/maplibre-gl" in html  # served locally, no CDN


def test_map_page_shows_no_network_of_another_operator(client, cell_user):
    build_small_network("net-b", owner="syn-b", operator="oi-b")
    user, _ = cell_user
    client.force_login(user)
    html = client.get("/carte/").content.decode()
    assert 'value="net-a"' in html and 'value="net-b"' not in html
