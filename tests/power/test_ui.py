"""Power pages through Django's test client: the dashboard timeline, the power page, editing a
supply and declaring a state (audited, through the services), outage CSV upload, English."""
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import AuditEvent
from network.models import Commune
from organisations.models import Membership
from power.models import PowerOutage, PowerSupply, SiteStateOverride

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def member(org, role, username):
    user = get_user_model().objects.create_user(username)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def manager(net):
    return member(net.network.owner, "crisis_manager", "cellule")


@pytest.fixture
def outage_now(net, nro_supply):
    start = timezone.now() - timedelta(hours=1)
    return PowerOutage.objects.create(network=net.network, area=Commune.objects.get(insee="29232").geom,
                                      start=start, source="Enedis")


def test_dashboard_shows_the_power_timeline(client, manager, outage_now):
    client.force_login(manager)
    html = client.get("/").content.decode()
    dark_at = timezone.localtime(outage_now.start + timedelta(hours=4))
    assert "Énergie des sites actifs" in html
    assert f"sur batterie : coupure prévue à {dark_at:%H:%M}, 9 locaux" in html
    fragment = client.get("/?fragment=1").content.decode()
    assert f"coupure prévue à {dark_at:%H:%M}" in fragment


def test_power_page_lists_sites_timeline_outages_and_plan(client, manager, outage_now):
    client.force_login(manager)
    r = client.get("/energie/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "ST-NRO1" in html and "Chronologie des pertes de service prévues" in html
    assert "Importer les coupures" in html and "<script>" not in html and "onclick" not in html
    assert client.get("/carte/").content.decode().count("power-map.js") == 1


def test_edit_supply_and_declare_state_in_the_ui(client, manager, net, nro_supply):
    client.force_login(manager)
    url = "/energie/net-a/sites/ST-NRO1/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"battery_hours": "6", "generator": "fixed", "fuel_hours": "12", "delivery_point": "PRM-9",
                          "mobile_connectable": "on", "comment": ""})
    assert r.status_code == 302
    nro_supply.refresh_from_db()
    assert (nro_supply.battery_hours, nro_supply.generator, nro_supply.fuel_hours) == (6, "fixed", 12)
    event = AuditEvent.objects.get(content_type__model="powersupply", action="update")
    assert event.actor == manager and event.before["battery_hours"] == 4 and event.after["battery_hours"] == 6
    r = client.post(url, {"state": "dark", "comment": "alarme"})
    assert r.status_code == 302 and SiteStateOverride.objects.get().state == "dark"
    # a PM without supply yet: the page offers to create it
    assert client.get("/energie/net-a/sites/ST-SRO1/").status_code == 200
    client.post("/energie/net-a/sites/ST-SRO1/", {"battery_hours": "2", "generator": "none"})
    assert PowerSupply.objects.get(site__code="ST-SRO1").battery_hours == 2


def test_outage_csv_upload(client, manager, nro_supply):
    client.force_login(manager)
    upload = SimpleUploadedFile("coupures.csv", (FIXTURES / "outages.csv").read_bytes(), content_type="text/csv")
    r = client.post("/energie/coupures/import/", {"network": "net-a", "file": upload}, follow=True)
    assert "1 coupure(s) enregistrée(s)." in r.content.decode()
    outage = PowerOutage.objects.get()
    assert outage.reference == "CSV-1" and outage.source == "Préfecture" and outage.raw.channel == "csv"
    bad = SimpleUploadedFile("bad.csv", b"communes;start\n99999;demain\n", content_type="text/csv")
    html = client.post("/energie/coupures/import/", {"network": "net-a", "file": bad}, follow=True).content.decode()
    assert "commune inconnue : 99999" in html and "ligne 2.start" in html
    assert PowerOutage.objects.count() == 1


def test_supply_csv_upload(client, manager, net):
    client.force_login(manager)
    upload = SimpleUploadedFile("alim.csv", (FIXTURES / "supplies.csv").read_bytes(), content_type="text/csv")
    html = client.post("/energie/alimentations/import/", {"network": "net-a", "file": upload}, follow=True).content.decode()
    assert "2 alimentation(s) créée(s), 0 mise(s) à jour." in html


def test_viewer_sees_but_cannot_change(client, net, nro_supply):
    viewer = member(net.network.owner, "viewer", "lecteur")
    client.force_login(viewer)
    assert "Importer les coupures" not in client.get("/energie/").content.decode()
    assert client.post("/energie/net-a/sites/ST-NRO1/", {"battery_hours": "9", "generator": "none"}).status_code == 403
    nro_supply.refresh_from_db()
    assert nro_supply.battery_hours == 4


def test_other_operator_gets_404_on_the_site_page(client, net, nro_supply, make_org):
    other = member(make_org("oi-z", kind="operator"), "crisis_manager", "autre")
    client.force_login(other)
    assert client.get("/energie/net-a/sites/ST-NRO1/").status_code == 404
    assert "ST-NRO1" not in client.get("/energie/").content.decode()


def test_power_page_in_english(client, manager, outage_now):
    client.force_login(manager)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/energie/").content.decode()
    assert "Power of active sites" in html and "on battery" in html


def test_elected_official_gets_403_on_power_pages(client, net, nro_supply):
    mayor = member(net.network.owner, "elected_official", "maire")
    client.force_login(mayor)
    assert client.get("/energie/").status_code == 403
    assert client.get("/energie/net-a/sites/ST-NRO1/").status_code == 403


def test_admin_edit_of_a_supply_is_audited(client, net, nro_supply, settings):
    settings.MFA_REQUIRED_ROLES = []  # a superuser's session needs a second factor otherwise (docs/security.md)
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    assert client.get("/admin/power/powersupply/").status_code == 200
    url = f"/admin/power/powersupply/{nro_supply.pk}/change/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"network": net.network.pk, "site": nro_supply.site_id, "battery_hours": "7",
                          "generator": "none", "delivery_point": "", "comment": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    event = AuditEvent.objects.get(content_type__model="powersupply", action="update")
    assert event.actor == admin and event.before["battery_hours"] == 4 and event.after["battery_hours"] == 7


def test_openapi_lists_the_power_endpoints(client, manager):
    client.force_login(manager)
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in ("/api/v1/networks/{slug}/power/", "/api/v1/networks/{slug}/power/sites/{code}/",
                 "/api/v1/power-outages/", "/api/v1/networks/{slug}/power/dispatch/"):
        assert path in paths, path
