"""Restoration in the web UI: the damage report page (phone), the triage list, the dashboard chart
and the ETA in the commune summary and its PDF."""
import re
import subprocess
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from incidents.models import Crisis, TroubleTicket
from restoration.models import DamageReport
from tests.builders import ORIGIN

from .conftest import ui_ticket

pytestmark = pytest.mark.django_db


def lonlat(dx, dy):
    p = Point(ORIGIN[0] + dx, ORIGIN[1] + dy, srid=2154)
    p.transform(4326)
    return f"{p.x:.6f}", f"{p.y:.6f}"


def test_mayor_files_a_report_from_the_phone_page_in_own_commune_only(client, cell):
    client.force_login(cell.mayor)
    page = client.get("/signalement/")
    assert page.status_code == 200 and b'name="kind"' in page.content and b'capture="environment"' in page.content
    lon, lat = lonlat(1010, 310)
    r = client.post("/signalement/", {"network": "net-a", "kind": "pole_down", "lon": lon, "lat": lat, "comment": "poteau à terre"})
    assert r.status_code == 302 and DamageReport.objects.get().commune_id == "29232"
    brest = client.post("/signalement/", {"network": "net-a", "kind": "pole_down", "lon": "-4.486", "lat": "48.390"})
    assert brest.status_code == 400 and "sa commune" in brest.content.decode()
    assert client.get("/signalements/").status_code == 403  # triage: the crisis cell only


def test_crisis_cell_triages_a_report_into_a_ticket(client, cell):
    client.force_login(cell.mayor)
    lon, lat = lonlat(1010, 310)
    client.post("/signalement/", {"network": "net-a", "kind": "pole_down", "lon": lon, "lat": lat})
    report = DamageReport.objects.get()
    client.force_login(cell.manager)
    listing = client.get("/signalements/")
    assert listing.status_code == 200 and "Poteau cassé" in listing.content.decode()
    r = client.post(f"/signalements/{report.pk}/tri/", {"action": "ticket"})
    ticket = TroubleTicket.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/tickets/{ticket.pk}/"
    assert list(ticket.damaged_assets.values_list("code", flat=True)) == ["PT-A1"]


def _crisis_with_ticket(cell):
    crisis = Crisis.objects.create(name="Ciarán", opened_at=timezone.now() - timedelta(hours=1))
    crisis.networks.add(cell.network)
    ui_ticket(cell.network, cell.manager, cell.network.owner, [("RouteSegment", "CM-D1a")])
    return crisis


def test_dashboard_draws_the_restoration_chart_without_inline_script(client, cell):
    crisis = _crisis_with_ticket(cell)
    client.force_login(cell.manager)
    html = client.get("/").content.decode()
    assert f'data-restoration-url="/api/v1/crises/{crisis.pk}/restoration/"' in html
    assert "restoration-chart.js" in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    data = client.get(f"/api/v1/crises/{crisis.pk}/restoration/").json()  # the session reads the API the chart draws
    assert data["curve"] and data["communes"][0]["insee"] == "29232"


def test_commune_summary_and_pdf_give_the_eta(client, cell, tmp_path):
    _crisis_with_ticket(cell)
    client.force_login(cell.mayor)
    html = client.get("/communes/29232/").content.decode()
    row = re.search(r'data-figure="eta">(.*?)</td>', html, re.S).group(1)
    assert "—" not in row and "90 %" in row
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(client.get("/communes/29232/pdf/").content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    line = next(row for row in text.splitlines() if "Rétablissement prévu" in row)
    assert "90 %" in line or "90 %" in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info)
