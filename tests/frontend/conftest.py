"""Browser fixtures: Playwright driving Debian's Chromium (/usr/bin/chromium, no browser download)
against pytest-django's live server. Screenshots go to test-artifacts/ (kept by CI as artefacts)."""
import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network (no background calls home) and a root shell (CI runs as root).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
    # itself (creating users, reading results) are still synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: run scripts/sysdeps.sh (Debian package chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# --- Crisis-cell fixtures shared by the page tests -------------------------------------------------
QUIMPER_BOX = [[-4.125, 47.985], [-4.08, 47.985], [-4.08, 48.005], [-4.125, 48.005], [-4.125, 47.985]]


def make_user(username, organisation, role):
    from django.contrib.auth import get_user_model

    from organisations.models import Membership

    user = get_user_model().objects.create_user(username, password="pw-for-tests-1")
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def manual_alert(network, organisation, hazard="wind", level=3, ring=None):
    """A manual alert over the builder network (through the ingestion service) and its exposure run."""
    import json

    from resilience.services.exposure import run_exposure
    from resilience.services.ingest import ingest_payload

    body = json.dumps({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring or QUIMPER_BOX]},
                       "properties": {"hazard": hazard, "level": level, "network": network.slug}}).encode()
    alert = ingest_payload(body, "geojson", organisation=organisation, network=network, origin="test").alerts[-1]
    run_exposure(alert, network)
    return alert


def ui_ticket(network, user, organisation, entities, severity="critical", description="Poteau cassé"):
    from incidents.services.tickets import Actor, create_ticket

    actor = Actor(user=user, organisation=organisation, base_url="http://testserver/tmf-api/troubleTicket/v4/", name=user.username)
    return create_ticket(network, {"description": description, "severity": severity, "ticket_type": "incident"},
                         [{"id": code, "@referredType": kind, "role": "damaged"} for kind, code in entities], [], actor)


@pytest.fixture
def cell(db):
    """The builder network (net-a, syn-a / oi-a) with a crisis manager, an operator agent, a viewer,
    the mayor of Quimper, and another operator (net-b, oi-b) with its agent."""
    from types import SimpleNamespace

    from organisations.models import Organisation, OrganisationKind
    from tests.builders import build_small_network

    net = build_small_network()
    other = build_small_network("net-b", owner="syn-b", operator="oi-b")
    quimper = Organisation.objects.create(slug="quimper", name="Quimper", kind=OrganisationKind.COMMUNE, insee_code="29232")
    n = net.network
    return SimpleNamespace(
        net=net, network=n, other=other,
        manager=make_user("cellule", n.owner, "crisis_manager"),
        agent=make_user("technicien", n.operator, "operator_agent"),
        viewer=make_user("lecteur", n.owner, "viewer"),
        mayor=make_user("maire", quimper, "elected_official"),
        stranger=make_user("autre-oi", other.network.operator, "operator_agent"),
    )
