"""The acceptance path through the crisis-cell pages (Django test client, real services):
open a crisis in the UI → publish a situation report → its PDF names the communes and carries the
dashboard's figures, its CSV has one row per commune; flag it significant → the three NIS2
deadlines on the dashboard and the early-warning JSON; contacts and on-call periods edited;
webhook subscription created in the UI, a delivery in its log (real receiver, real worker),
redelivered. Elected officials and other organisations are refused."""
import csv
from html import unescape
import io
import re
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from frontend.services.dashboard import build_dashboard
from incidents.models import Contact, Crisis, OnCallPeriod
from organisations.scoping import Principal
from reporting.models import SituationReport
from tests.frontend.conftest import manual_alert, ui_ticket
from tests.webhooks.receiver import Receiver
from webhooks.models import Delivery, OutboxEvent, Subscription


def open_in_ui(client, cell, **extra):
    client.force_login(cell.manager)
    assert client.get("/crises/nouvelle/").status_code == 200
    data = {"name": "Tempête Ciarán", "level": "crisis", "networks": ["net-a"], **extra}
    response = client.post("/crises/nouvelle/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Crisis.objects.get(name="Tempête Ciarán")


def test_crisis_opened_in_the_ui_gives_a_sitrep_with_the_dashboard_figures(client, cell, tmp_path):
    alert = manual_alert(cell.network, cell.network.owner)
    crisis = open_in_ui(client, cell, alert_ids=[str(alert.pk)])
    assert crisis.networks.get() == cell.network and crisis.alert_ids == [str(alert.pk)]
    assert OutboxEvent.objects.filter(event_type="crisis.opened", subject=f"crisis:{crisis.pk}").exists()
    assert AuditEvent.objects.filter(object_id=str(crisis.pk), action="create").exists()
    ui_ticket(cell.network, cell.manager, cell.network.owner, [("SupportPoint", "PT-A1")])

    board = build_dashboard(Principal(user=cell.manager, roles={cell.network.owner_id: "crisis_manager"}))
    dashboard = client.get("/").content.decode()
    assert "Tempête Ciarán" in dashboard
    response = client.post(f"/crises/{crisis.pk}/", {"action": "sitrep"})
    assert response.status_code == 302
    report = SituationReport.objects.get(crisis=crisis)
    page = client.get(f"/crises/{crisis.pk}/").content.decode()
    assert f"/api/v1/crises/{crisis.pk}/sitreps/{report.pk}/pdf/" in page

    pdf = client.get(f"/api/v1/crises/{crisis.pk}/sitreps/{report.pk}/pdf/")
    path = tmp_path / "sitrep.pdf"
    path.write_bytes(pdf.content)
    assert re.search(r"^Pages:\s+1$", subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout, re.M)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Quimper (29232)" in text
    line = next(li for li in text.splitlines() if "Locaux toujours sans service" in li)
    assert line.split()[-1] == str(board.cut) and board.cut > 0
    line = next(li for li in text.splitlines() if "Locaux exposés" in li)
    assert line.split()[-1] == str(board.exposed) and board.exposed > 0
    # the map is drawn (a vector path in the PDF) and the page renders to an image
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 2000

    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/v1/crises/{crisis.pk}/sitreps/{report.pk}/csv/").content.decode())))
    assert [r["insee"] for r in rows] == ["29232"]
    assert rows[0]["name"] == "Quimper" and int(rows[0]["without_service"]) == board.cut


def test_update_close_and_reopen_in_the_ui(client, cell):
    crisis = open_in_ui(client, cell)
    response = client.post(f"/crises/{crisis.pk}/", {"action": "update", "name": "Tempête Ciarán", "level": "watch",
                                                     "networks": [], "organisations": [cell.network.owner.slug]})
    assert response.status_code == 302
    crisis.refresh_from_db()
    assert crisis.level == "watch" and not crisis.networks.exists()
    assert client.post(f"/crises/{crisis.pk}/", {"action": "close"}).status_code == 302
    crisis.refresh_from_db()
    assert crisis.closed_at is not None
    assert OutboxEvent.objects.filter(event_type="crisis.closed", subject=f"crisis:{crisis.pk}").count() == 1
    client.post(f"/crises/{crisis.pk}/", {"action": "reopen"})
    crisis.refresh_from_db()
    assert crisis.closed_at is None
    assert AuditEvent.objects.filter(object_id=str(crisis.pk), action="update").count() == 3
    bad = client.post(f"/crises/{crisis.pk}/", {"action": "update", "name": "", "level": "nope"})
    assert bad.status_code == 400


def test_nis2_deadlines_on_the_dashboard_and_early_warning_json(client, cell):
    aware = timezone.now() - timedelta(hours=2)
    crisis = open_in_ui(client, cell, significant="on",
                        awareness_time=timezone.localtime(aware).strftime("%Y-%m-%dT%H:%M"))
    crisis.refresh_from_db()
    assert crisis.significant and abs((crisis.awareness_time - aware).total_seconds()) < 60
    html = client.get("/").content.decode()
    block = unescape(html[html.index(f'data-figure="nis2-{crisis.pk}"'):])
    for label in ("Alerte précoce (24 h)", "Notification d'incident (72 h)", "Rapport final (1 mois)"):
        assert label in block
    due = crisis.awareness_time + timedelta(hours=24)
    assert f'datetime="{due.isoformat()}"' in block

    page = client.get(f"/crises/{crisis.pk}/nis2/early_warning/")
    assert page.status_code == 200 and "Tempête Ciarán" in page.content.decode()
    response = client.post(f"/crises/{crisis.pk}/nis2/early_warning/", {
        "entity": "Syndicat A", "incident_title": "Tempête Ciarán", "services_affected": "FTTH",
        "initial_assessment": "Coupures en Cornouaille", "users_affected": "6", "duration_hours": "2",
        "contact": "SOC 02 98 00 00 00", "sent": "on"})
    assert response.status_code == 302, response.content.decode()[:1500]
    export = client.get(f"/api/v1/crises/{crisis.pk}/nis2/early_warning/json/").json()
    assert export["due"] == due.isoformat() and export["state"] == "sent"
    assert export["fields"]["contact"] == "SOC 02 98 00 00 00"
    assert export["fields"]["initial_assessment"] == "Coupures en Cornouaille"
    assert export["fields"]["awareness_time"] == crisis.awareness_time.isoformat()
    assert "transmis" in client.get("/").content.decode()


def test_contacts_and_on_call_periods_edited_in_the_ui(client, cell):
    client.force_login(cell.manager)
    response = client.post("/contacts/nouveau/", {"organisation": cell.network.owner.slug, "name": "Anne Le Goff",
                                                 "role": "astreinte réseau", "commune": "29232", "phone": "0298000000"})
    assert response.status_code == 302
    contact = Contact.objects.get(name="Anne Le Goff")
    assert contact.commune_id == "29232"
    now = timezone.localtime()
    response = client.post(f"/contacts/{contact.pk}/", {
        "action": "add-period", "starts_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert "Anne Le Goff" in client.get("/contacts/").content.decode().split("Tous les contacts")[0]  # on call now
    period = OnCallPeriod.objects.get(contact=contact)
    client.post(f"/contacts/{contact.pk}/", {"action": "update", "organisation": cell.network.owner.slug, "name": "Anne Le Goff",
                                             "role": "cheffe d'astreinte", "commune": "", "phone": "", "email": "anne@example.org"})
    contact.refresh_from_db()
    assert contact.role == "cheffe d'astreinte" and contact.email == "anne@example.org" and contact.commune is None
    assert client.post(f"/contacts/{contact.pk}/", {"action": "update", "organisation": cell.network.owner.slug,
                                                    "name": "X", "role": "Y", "phone": "", "email": ""}).status_code == 400
    client.post(f"/contacts/{contact.pk}/", {"action": "delete-period", "period": period.pk})
    assert not OnCallPeriod.objects.exists()
    actions = list(AuditEvent.objects.filter(object_id__in=[str(contact.pk), str(period.pk)]).values_list("action", flat=True))
    assert actions.count("create") == 2 and "update" in actions and "delete" in actions
    client.force_login(cell.stranger)  # another operator: sees nothing of it
    assert client.get(f"/contacts/{contact.pk}/").status_code == 404


def test_refusals(client, cell):
    crisis = open_in_ui(client, cell)
    client.force_login(cell.mayor)
    for url in ("/crises/", f"/crises/{crisis.pk}/", "/webhooks/", "/contacts/nouveau/", f"/crises/{crisis.pk}/nis2/early_warning/"):
        assert client.get(url).status_code == 403, url
    client.force_login(cell.stranger)
    assert client.get(f"/crises/{crisis.pk}/").status_code == 404
    assert client.post(f"/crises/{crisis.pk}/", {"action": "close"}).status_code == 404
    client.force_login(cell.viewer)
    assert client.get(f"/crises/{crisis.pk}/").status_code == 200
    assert client.post(f"/crises/{crisis.pk}/", {"action": "close"}).status_code == 403
    assert client.get("/crises/nouvelle/").status_code == 403
    assert client.get("/webhooks/").status_code == 403


@pytest.mark.integration
def test_webhook_subscription_created_in_the_ui_delivery_logged_and_redelivered(client, cell, celery_worker, settings):
    from tests.webhooks.conftest import wait_until

    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with Receiver() as receiver:
        client.force_login(cell.manager)
        response = client.post("/webhooks/", {"organisation": cell.network.owner.slug, "callback": receiver.url("/hook"),
                                              "event_types": ["crisis.opened", "crisis.sitrep_published"],
                                              "description": "Préfecture"})
        assert response.status_code == 201, response.content.decode()[:2000]
        sub = Subscription.objects.get()
        assert sub.secret in response.content.decode()  # shown once
        assert sub.secret not in client.get(f"/webhooks/{sub.pk}/").content.decode()

        open_in_ui(client, cell)
        [got] = receiver.wait_for(1)
        assert b'"crisis.opened"' in got.body
        delivery = Delivery.objects.get(subscription=sub)
        wait_until(lambda: Delivery.objects.get(pk=delivery.pk).status == "succeeded", message="delivery succeeded")
        page = client.get(f"/webhooks/{sub.pk}/").content.decode()
        assert "crisis.opened" in page and "Réussi" in page

        assert client.post(f"/webhooks/{sub.pk}/", {"action": "redeliver", "delivery": delivery.pk}).status_code == 302
        first, second = receiver.wait_for(2)
        assert first.headers["webhook-id"] == second.headers["webhook-id"]
        wait_until(lambda: delivery.attempt_log.count() == 2, message="second attempt logged")
        page = client.get(f"/webhooks/{sub.pk}/").content.decode()
        assert "relance manuelle" in page

        assert client.post(f"/webhooks/{sub.pk}/", {"action": "pause"}).status_code == 302
        sub.refresh_from_db()
        assert sub.status == "disabled"
        old = sub.secret
        rotated = client.post(f"/webhooks/{sub.pk}/", {"action": "rotate"})
        sub.refresh_from_db()
        assert sub.secret != old and sub.secret in rotated.content.decode()
        client.force_login(cell.stranger)
        assert client.get(f"/webhooks/{sub.pk}/").status_code == 404
        client.force_login(cell.manager)
        assert client.post(f"/webhooks/{sub.pk}/", {"action": "delete"}).status_code == 302
        assert not Subscription.objects.exists()
        assert AuditEvent.objects.filter(object_id=str(sub.pk), action="delete").exists()
