"""Crisis-cell pages through Django's test client: every page renders for the crisis cell, shows
only the caller's networks, refuses elected officials, and changes go through the incidents and
resilience services (same rules, audit and events as the APIs)."""
import json
import re

from django.utils import timezone

from core.models import AuditEvent
from incidents.models import Contact, Crisis, CrisisLogEntry, OnCallPeriod, TicketStatus, TroubleTicket
from resilience.models import Alert
from tests.frontend.conftest import manual_alert, ui_ticket
from webhooks.models import OutboxEvent

PAGES = ["/", "/carte/", "/alertes/", "/alertes/nouvelle/", "/tickets/", "/tickets/nouveau/", "/main-courante/",
         "/contacts/", "/ui/changes/"]


def login(client, user):
    client.force_login(user)
    return client


def test_every_page_needs_login(client, db):
    for url in PAGES + ["/tickets/1/", "/alertes/1/", "/ui/map/asset/?network=x&type=Site&code=y"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_every_page_renders_in_french_for_the_crisis_cell(client, cell):
    login(client, cell.manager)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    html = client.get("/").content.decode()
    assert "Tableau de bord" in html and "Locaux coupés" in html and 'lang="fr"' in html


def test_pages_switch_to_english(client, cell):
    login(client, cell.manager)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/tickets/").content.decode()
    assert 'lang="en"' in html
    assert ">Map<" in html  # the nav, from the locale's catalogue


def test_elected_official_lands_on_commune_and_is_refused_operator_pages(client, cell):
    login(client, cell.mayor)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/communes/29232/"
    for url in PAGES[1:]:
        assert client.get(url).status_code == 403, url
    ticket = ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1")])
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 403
    html = client.get("/communes/29232/").content.decode()
    assert "Ma commune" in html and "Tickets" not in html  # nav without operator pages
    assert "PT-A1" not in html


def test_dashboard_figures_exposed_cut_sla_and_communes(client, cell):
    alert = manual_alert(cell.network, cell.network.owner)
    ui_ticket(cell.network, cell.manager, cell.network.owner, [("RouteSegment", "CM-D1a")])  # cuts 6 premises
    ui_ticket(cell.network, cell.manager, cell.network.owner, [("Cable", "CB-D1")])  # same 6: not counted twice
    login(client, cell.manager)
    html = client.get("/").content.decode()
    assert 'data-figure="cut">6<' in html
    exposed = sum(r["premises"] for r in alert.exposure_runs.get().per_commune)
    assert exposed > 0 and f'data-figure="exposed">{exposed}<' in html
    assert 'data-figure="tickets-open">2<' in html and 'data-figure="sla-ok">2<' in html
    assert 'id="commune-table"' in html and "/communes/29232/" in html
    assert 'data-figure="alerts">1<' in html


def test_dashboard_queries_do_not_grow_with_tickets(client, cell, django_assert_max_num_queries):
    login(client, cell.manager)
    manual_alert(cell.network, cell.network.owner)
    for kind, code in (("RouteSegment", "CM-D1a"), ("RouteSegment", "CM-D2"), ("Cable", "CB-D3")):
        ui_ticket(cell.network, cell.manager, cell.network.owner, [(kind, code)])
    client.get("/")  # warm the impact engine's graph cache
    from django.core.cache import cache

    cache.clear()  # both measures without the cached figures (cut figures are cached per ticket state)
    with django_assert_max_num_queries(18) as few:
        client.get("/")
    for kind, code in (("RouteSegment", "CM-T1"), ("SupportPoint", "PT-C1"), ("Site", "ST-SRO2"), ("Cable", "CB-T2"),
                       ("Enclosure", "BP-PBO2")):
        ui_ticket(cell.network, cell.manager, cell.network.owner, [(kind, code)])
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")


def test_sla_states_breached_and_at_risk(client, cell):
    old = ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1")], severity="critical")
    TroubleTicket.objects.filter(pk=old.pk).update(creation_date=timezone.now() - timezone.timedelta(hours=5))
    risky = ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-PBO1")], severity="critical")
    TroubleTicket.objects.filter(pk=risky.pk).update(creation_date=timezone.now() - timezone.timedelta(minutes=50))
    login(client, cell.manager)
    html = client.get("/").content.decode()
    assert 'data-figure="sla-breached">1<' in html and 'data-figure="sla-at-risk">1<' in html


def test_another_operator_sees_nothing_of_net_a(client, cell):
    manual_alert(cell.network, cell.network.owner)
    ticket = ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1")])
    login(client, cell.stranger)
    html = client.get("/").content.decode()
    assert 'data-figure="cut">0<' in html and 'data-figure="exposed">0<' in html and 'data-figure="alerts">0<' in html
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert "Poteau cassé" not in client.get("/tickets/").content.decode()
    assert not re.search(r"/alertes/\d+/", client.get("/alertes/").content.decode())  # no alert row
    alert = Alert.objects.get()
    assert client.get(f"/alertes/{alert.pk}/").status_code == 404  # a manual alert of syn-a
    assert client.get("/ui/map/tickets.json?network=net-a").status_code == 404
    assert client.get("/ui/map/asset/?network=net-a&type=SupportPoint&code=PT-A1").status_code == 404
    changes = client.get("/ui/changes/").json()
    assert list(changes["networks"]) == ["net-b"]


def test_declare_damage_prefilled_then_created_through_the_service(client, cell):
    login(client, cell.agent)
    html = client.get("/tickets/nouveau/?network=net-a&type=SupportPoint&code=PT-A1").content.decode()
    assert 'value="PT-A1"' in html and '<option value="SupportPoint" selected>' in html
    response = client.post("/tickets/nouveau/", {
        "network": "net-a", "asset_type": "SupportPoint", "asset_code": "PT-A1", "severity": "critical",
        "ticket_type": "incident", "description": "Poteau à terre", "note": "Vu par la mairie"})
    ticket = TroubleTicket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.created_by_organisation == cell.network.operator and ticket.status == TicketStatus.ACKNOWLEDGED
    assert list(ticket.damaged_assets.values_list("code", flat=True)) == ["PT-A1"]
    assert ticket.notes.get().text == "Vu par la mairie"
    assert OutboxEvent.objects.filter(event_type="TroubleTicketCreateEvent").count() == 1
    assert AuditEvent.objects.filter(content_type__model="troubleticket", object_id=str(ticket.pk), action="create").exists()
    listing = client.get("/tickets/").content.decode()
    assert f"/tickets/{ticket.pk}/" in listing and "Poteau à terre" in listing
    detail = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Prise en charge" in detail and "locaux coupés" in detail  # GTR timers and the impact (PT-A1 cuts 6)


def test_unknown_asset_code_is_a_field_error(client, cell):
    login(client, cell.agent)
    response = client.post("/tickets/nouveau/", {
        "network": "net-a", "asset_type": "SupportPoint", "asset_code": "PT-NOPE", "severity": "minor",
        "ticket_type": "incident", "description": "?"})
    assert response.status_code == 200
    assert "PT-NOPE" in response.content.decode() and TroubleTicket.objects.count() == 0


def test_ticket_list_filters(client, cell):
    a = ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1")], severity="critical", description="alpha")
    ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-C1")], severity="minor", description="bravo")
    ui_ticket(cell.other.network, None or cell.stranger, cell.other.network.operator, [("SupportPoint", "PT-C1")], description="charlie")
    login(client, cell.manager)
    html = client.get("/tickets/?severity=critical").content.decode()
    assert "alpha" in html and "bravo" not in html and "charlie" not in html
    html = client.get("/tickets/?status=inProgress").content.decode()
    assert "alpha" not in html
    html = client.get("/tickets/?network=net-a&status=acknowledged").content.decode()
    assert "alpha" in html and "bravo" in html
    assert f"/tickets/{a.pk}/" in html


def test_transitions_notes_and_photos(client, cell, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    ticket = ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1")])
    login(client, cell.agent)
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    for status in ("inProgress", "rejected", "cancelled"):
        assert f'name="status" value="{status}"' in html
    assert 'value="resolved"' not in html
    client.post(f"/tickets/{ticket.pk}/", {"action": "transition", "status": "inProgress", "reason": "équipe en route"})
    ticket.refresh_from_db()
    assert ticket.status == "inProgress" and ticket.acknowledged_at is not None
    response = client.post(f"/tickets/{ticket.pk}/", {"action": "transition", "status": "closed"})
    assert response.status_code == 400 and "not allowed" in response.content.decode()
    client.post(f"/tickets/{ticket.pk}/", {"action": "note", "text": "Nacelle demandée"})
    assert ticket.notes.get().text == "Nacelle demandée"
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    client.post(f"/tickets/{ticket.pk}/",
                {"action": "photo", "description": "poteau", "file": SimpleUploadedFile("p.png", png, "image/png")})
    assert ticket.attachments.get().mime_type == "image/png"
    refused = client.post(f"/tickets/{ticket.pk}/", {"action": "photo", "file": SimpleUploadedFile("x.png", b"GIF89a....", "image/png")})
    assert refused.status_code == 400 and "Photo refusée" in refused.content.decode()
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Nacelle demandée" in html and f"/tmf-api/troubleTicket/v4/troubleTicket/{ticket.pk}/attachment/" in html
    events = list(OutboxEvent.objects.filter(subject=f"troubleTicket:{ticket.pk}").values_list("event_type", flat=True))
    assert "TroubleTicketStateChangeEvent" in events and events.count("TroubleTicketAttributeValueChangeEvent") == 2


def test_viewer_reads_but_cannot_write(client, cell):
    ticket = ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1")])
    login(client, cell.viewer)
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'name="status"' not in html
    assert client.post(f"/tickets/{ticket.pk}/", {"action": "note", "text": "x"}).status_code == 403
    assert client.get("/tickets/nouveau/").status_code == 403
    assert client.get("/alertes/nouvelle/").status_code == 403


def test_alert_drawn_on_the_map_goes_through_ingestion(client, cell):
    login(client, cell.manager)
    geometry = {"type": "Polygon", "coordinates": [[[-4.12, 47.99], [-4.09, 47.99], [-4.09, 48.0], [-4.12, 47.99]]]}
    response = client.post("/alertes/nouvelle/", {"network": "net-a", "hazard": "wind", "level": "3",
                                                  "headline": "Tempête Ciarán", "geometry": json.dumps(geometry),
                                                  "expires": "2099-01-01T12:00"})
    alert = Alert.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/alertes/{alert.pk}/"
    assert alert.source == "manual" and alert.organisation == cell.network.owner and alert.network == cell.network
    assert alert.level == 3 and alert.headline == "Tempête Ciarán" and alert.raw_message.origin == "ui"
    assert alert.expires.year == 2099
    assert "Tempête Ciarán" in client.get("/alertes/").content.decode()


def test_drawn_alert_refusals_are_shown(client, cell):
    login(client, cell.manager)
    open_ring = {"type": "Polygon", "coordinates": [[[-4.12, 47.99], [-4.09, 47.99], [-4.09, 48.0]]]}
    response = client.post("/alertes/nouvelle/", {"network": "net-a", "hazard": "wind", "level": "3",
                                                  "geometry": json.dumps(open_ring)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Alerte refusée" in html and "polygone non fermé" in html
    response = client.post("/alertes/nouvelle/", {"network": "net-a", "hazard": "wind", "level": "3",
                                                  "geometry": json.dumps(open_ring), "expires": "2001-01-01T00:00"})
    assert response.status_code == 400
    response = client.post("/alertes/nouvelle/", {"network": "net-a", "hazard": "wind", "level": "3", "geometry": ""})
    assert response.status_code == 400 and "Dessinez la zone" in response.content.decode()
    assert Alert.objects.count() == 0


def test_alert_detail_exposure_per_commune(client, cell):
    alert = manual_alert(cell.network, cell.network.owner)
    login(client, cell.manager)
    html = client.get(f"/alertes/{alert.pk}/").content.decode()
    assert "Exposition du réseau" in html and "Quimper" in html and "/communes/29232/" in html
    assert 'id="alert-area"' in html


def test_crisis_log_one_line_entries_and_corrections(client, cell):
    crisis = Crisis.objects.create(name="Tempête Ciarán", level="crisis")
    crisis.networks.add(cell.network)
    login(client, cell.manager)
    response = client.post("/main-courante/", {"crise": crisis.pk, "kind": "decision", "text": "Priorité à l'hôpital"})
    assert response.status_code == 302
    entry = CrisisLogEntry.objects.get()
    assert entry.author == cell.manager and entry.organisation == cell.network.owner
    client.post("/main-courante/", {"crise": crisis.pk, "kind": "information", "text": "CM-D1b, pas CM-D1a", "corrects": entry.pk})
    correction = CrisisLogEntry.objects.exclude(pk=entry.pk).get()
    assert correction.corrects == entry
    html = client.get("/main-courante/").content.decode()
    assert "Priorité à l&#x27;hôpital" in html and "corrige l'entrée n° %d" % entry.pk in html
    assert AuditEvent.objects.filter(content_type__model="crisislogentry").count() == 2
    login(client, cell.stranger)
    assert "Tempête Ciarán" not in client.get("/main-courante/").content.decode()
    assert client.post("/main-courante/", {"crise": crisis.pk, "kind": "decision", "text": "x"}).status_code == 403


def test_contacts_and_who_is_on_call(client, cell):
    now = timezone.now()
    on = Contact.objects.create(organisation=cell.network.operator, name="Alice Astreinte", role="astreinte réseau", phone="0600000001")
    Contact.objects.create(organisation=cell.network.owner, name="Bob Bureau", role="chargé de mission", email="bob@example.org")
    Contact.objects.create(organisation=cell.other.network.operator, name="Eve Ailleurs", role="astreinte", phone="0600000003")
    OnCallPeriod.objects.create(contact=on, starts_at=now - timezone.timedelta(hours=1), ends_at=now + timezone.timedelta(hours=8))
    login(client, cell.manager)
    html = client.get("/contacts/").content.decode()
    oncall = html[html.index("h-oncall"):html.index("h-all")]
    assert "Alice Astreinte" in oncall and "Bob Bureau" not in oncall
    assert "Bob Bureau" in html and "Eve Ailleurs" not in html


def test_changes_endpoint_moves_when_tickets_change(client, cell):
    login(client, cell.manager)
    before = client.get("/ui/changes/").json()
    assert before["networks"] == {"net-a": cell.network.version}
    ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1")])
    after = client.get("/ui/changes/").json()
    assert after["token"] != before["token"] and after["tickets"] != before["tickets"]
    assert after["alerts"] == before["alerts"]
    cell.network.bump_version()
    assert client.get("/ui/changes/").json()["networks"]["net-a"] == cell.network.version


def test_map_overlays_and_asset_card(client, cell):
    manual_alert(cell.network, cell.network.owner)
    ticket = ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1"), ("RouteSegment", "CM-D2")])
    login(client, cell.manager)
    alerts = client.get("/ui/map/alerts.json?network=net-a").json()
    assert len(alerts["features"]) == 1 and alerts["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    tickets = client.get("/ui/map/tickets.json?network=net-a").json()
    assert sorted(f["properties"]["code"] for f in tickets["features"]) == ["CM-D2", "PT-A1"]
    lon, lat = tickets["features"][0]["geometry"]["coordinates"]
    assert -4.2 < lon < -4.0 and 47.9 < lat < 48.1
    card = client.get("/ui/map/asset/?network=net-a&type=SupportPoint&code=PT-A1").json()
    assert card["serves"]["premises"] == 6 and card["serves"]["critical_sites"] == 1
    assert [t["id"] for t in card["tickets"]] == [ticket.pk]
    assert card["declare_url"] == "/tickets/nouveau/?network=net-a&type=SupportPoint&code=PT-A1"
    site = client.get("/ui/map/asset/?network=net-a&type=Site&code=ST-NRO1").json()
    assert site["serves"]["premises"] == 9 and site["tickets"] == []
    pbo = client.get("/ui/map/asset/?network=net-a&type=Enclosure&code=BP-PBO3").json()
    assert pbo["serves"]["premises"] >= 3
    assert client.get("/ui/map/asset/?network=net-a&type=SupportPoint&code=NOPE").status_code == 404
    exposure = client.get(f"/api/v1/alerts/{Alert.objects.get().pk}/exposure/?network=net-a").json()
    assert exposure["assets"]["count"]  # the map's exposed-assets overlay (session auth): its paged list
    assert client.get(exposure["assets"]["href"]).json()["features"]


def test_someone_without_organisation_is_refused_crisis_pages(client, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("nobody", password="pw-for-tests-1")
    login(client, user)
    assert "Aucune organisation" in client.get("/").content.decode()
    for url in PAGES[1:]:
        assert client.get(url).status_code == 403, url
