"""Situation reports through the API: publish → 201 with its id, the JSON/CSV/PDF of the same figures
(those of the dashboard at that time), trends against the previous report, the outbox event, scoping."""
import csv
import io
import re
import subprocess

from frontend.services.dashboard import build_dashboard
from organisations.scoping import Principal
from reporting.models import SituationReport
from webhooks.models import OutboxEvent


def client_for(client, user):
    client.force_login(user)
    return client


def test_publish_and_export(client, cell, crisis, tmp_path):
    client_for(client, cell.manager)
    response = client.post(f"/api/v1/crises/{crisis.pk}/sitreps/", {}, content_type="application/json")
    assert response.status_code == 201, response.content
    sid = response.json()["id"]
    report = SituationReport.objects.get(pk=sid)
    assert report.number == 1 and report.previous is None

    board = build_dashboard(Principal(user=cell.manager, roles={cell.network.owner_id: "crisis_manager"}))
    data = client.get(f"/api/v1/crises/{crisis.pk}/sitreps/{sid}/json/").json()
    assert data["totals"]["without_service"] == board.cut > 0
    assert data["totals"]["exposed"] == board.exposed > 0
    assert data["totals"]["tickets_open"] == board.tickets_open == 1
    [quimper] = [c for c in data["communes"] if c["insee"] == "29232"]
    assert quimper["name"] == "Quimper" and quimper["premises"] == 9 and quimper["touched"]
    assert [a["id"] for a in data["alerts"]] == [crisis.test_alert.pk]

    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/v1/crises/{crisis.pk}/sitreps/{sid}/csv/").content.decode())))
    assert [r["insee"] for r in rows] == [c["insee"] for c in data["communes"]]
    assert len({r["insee"] for r in rows}) == len(rows)  # one row per commune
    assert int(rows[0]["without_service"]) == board.cut

    pdf = client.get(f"/api/v1/crises/{crisis.pk}/sitreps/{sid}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "sitrep.pdf"
    path.write_bytes(pdf.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M) and "595.276 x 841.89" in info  # one A4 page
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Point de situation n° 1" in text and "Quimper (29232)" in text
    assert "Tempête Ciarán" in text
    assert str(board.cut) in text and str(board.exposed) in text

    event = OutboxEvent.objects.get(event_type="crisis.sitrep_published")
    assert event.payload["sitrep"]["id"] == sid and event.subject == f"crisis:{crisis.pk}"
    assert cell.network.owner_id in event.organisation_ids


def test_trends_against_the_previous_report(client, cell, crisis):
    from django.db import transaction

    from incidents.services.tickets import Actor, patch_ticket

    client_for(client, cell.manager)
    first = client.post(f"/api/v1/crises/{crisis.pk}/sitreps/").json()["id"]
    cut_before = SituationReport.objects.get(pk=first).figures["totals"]["without_service"]
    actor = Actor(user=cell.manager, organisation=cell.network.owner, base_url="http://testserver/", name="cellule")
    for status in ("inProgress", "resolved"):
        with transaction.atomic():
            patch_ticket(crisis.test_ticket.pk, {"status": status}, actor)
    second = client.post(f"/api/v1/crises/{crisis.pk}/sitreps/").json()["id"]
    report = SituationReport.objects.get(pk=second)
    assert report.number == 2 and report.previous_id == first
    totals = report.figures["totals"]
    assert totals["without_service"] == 0 and totals["restored"] == cut_before
    assert report.figures["trends"]["totals"]["without_service"] == -cut_before
    assert client.get(f"/api/v1/crises/{crisis.pk}/sitreps/").json()[0]["number"] == 2


def test_scoping_and_roles(client, cell, crisis):
    url = f"/api/v1/crises/{crisis.pk}/sitreps/"
    client_for(client, cell.stranger)
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    client_for(client, cell.viewer)
    assert client.post(url).status_code == 403
    client_for(client, cell.manager)
    sid = client.post(url).json()["id"]
    client_for(client, cell.stranger)
    assert client.get(f"{url}{sid}/json/").status_code == 404
    assert client.get(f"{url}{sid}/pdf/").status_code == 404
    assert client.get(f"{url}999999/json/").status_code == 404


def test_elected_official_reads_aggregates_only(client, cell, crisis):
    from incidents.services.crisis import append_log_entry

    crisis.organisations.add(cell.mayor.memberships.first().organisation)
    append_log_entry(crisis, author=cell.manager, organisation=cell.network.owner, kind="action", text="Groupe électrogène au NRO")
    client_for(client, cell.manager)
    sid = client.post(f"/api/v1/crises/{crisis.pk}/sitreps/").json()["id"]
    assert client.get(f"/api/v1/crises/{crisis.pk}/sitreps/{sid}/json/").json()["log"][0]["text"] == "Groupe électrogène au NRO"
    client_for(client, cell.mayor)
    data = client.get(f"/api/v1/crises/{crisis.pk}/sitreps/{sid}/json/").json()
    assert "log" not in data and data["totals"]["without_service"] > 0
    assert client.post(f"/api/v1/crises/{crisis.pk}/sitreps/").status_code == 403
    assert client.get(f"/api/v1/crises/{crisis.pk}/nis2/").status_code == 403
