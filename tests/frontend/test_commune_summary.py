"""Commune summaries for elected officials: aggregates of their own commune only, and the PDF."""
import subprocess

import pytest
from django.contrib.auth import get_user_model

from organisations.models import Membership, Organisation, OrganisationKind
from tests.builders import build_small_network


@pytest.fixture
def mayor(db):
    net = build_small_network()
    quimper = Organisation.objects.create(slug="quimper", name="Quimper", kind=OrganisationKind.COMMUNE, insee_code="29232")
    user = get_user_model().objects.create_user("maire", password="pw-for-tests-1")
    Membership.objects.create(user=user, organisation=quimper, role="elected_official")
    return user, net


def test_mayor_sees_aggregates_of_own_commune(client, mayor):
    user, net = mayor
    client.force_login(user)
    html = client.get("/communes/29232/").content.decode()
    assert "Quimper" in html
    assert 'data-figure="premises">9<' in html  # 9 premises in the test network
    assert "Hôpital" in html and "Mairie" in html
    for code in ("CM-D1a", "BP-PBO1", "AD-2-1", "PT-A1"):  # no operator detail leaks
        assert code not in html


def test_mayor_does_not_see_another_commune(client, mayor):
    user, _ = mayor
    client.force_login(user)
    assert client.get("/communes/29019/").status_code == 404  # Brest
    assert client.get("/communes/99999/").status_code == 404


def test_other_operator_sees_nothing(client, mayor):
    build_small_network("net-b", owner="syn-b", operator="oi-b")  # also in Quimper
    user = get_user_model().objects.create_user("other", password="pw-for-tests-1")
    Membership.objects.create(user=user, organisation=Organisation.objects.get(slug="oi-b"), role="operator_agent")
    client.force_login(user)
    html = client.get("/communes/29232/").content.decode()
    assert 'data-figure="premises">9<' in html  # only its own network's 9, not 18


def test_pdf_is_one_a4_page_with_name_and_figures(client, mayor, tmp_path):
    user, _ = mayor
    client.force_login(user)
    response = client.get("/communes/29232/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Pages"].strip() == "1"
    assert "(A4)" in fields["Page size"]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Quimper" in text and "29232" in text
    assert "Locaux desservis" in text
    line = next(row for row in text.splitlines() if "Locaux desservis" in row)
    assert line.split()[-1] == "9"


def test_mayor_sees_exposed_cut_incidents_and_critical_states(client, mayor):
    from datetime import timedelta

    from django.utils import timezone

    from incidents.models import TroubleTicket
    from tests.frontend.conftest import manual_alert, ui_ticket

    user, net = mayor
    n = net.network
    alert = manual_alert(n, n.owner)
    agent = get_user_model().objects.create_user("agent", password="pw-for-tests-1")
    ticket = ui_ticket(n, agent, n.operator, [("RouteSegment", "CM-D1a")])  # cuts 6 premises, the hospital among them
    when = timezone.now() + timedelta(hours=6)
    TroubleTicket.objects.filter(pk=ticket.pk).update(expected_resolution_date=when)
    client.force_login(user)
    html = client.get("/communes/29232/").content.decode()
    exposed = next(r["premises"] for r in alert.exposure_runs.get().per_commune if r["insee"] == "29232")
    assert f'data-figure="exposed">{exposed}<' in html and exposed > 0
    assert 'data-figure="cut">6<' in html
    assert 'data-figure="incidents">1<' in html
    assert "state-cut" in html  # the hospital is cut
    assert "CM-D1a" not in html and "Poteau" not in html  # aggregates only, no ticket detail
    pdf_text = _pdf_text(client, "/communes/29232/pdf/")
    line = next(row for row in pdf_text.splitlines() if "Locaux coupés" in row)
    assert line.split()[-1] == "6"


def _pdf_text(client, url):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "s.pdf"
        pdf.write_bytes(client.get(url).content)
        return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_commune_map_draws_the_alert_area_and_exposed_segments(client, mayor):
    from tests.frontend.conftest import manual_alert

    user, net = mayor
    client.force_login(user)
    assert 'stroke="#ff00ff"' not in client.get("/communes/29232/").content.decode()
    manual_alert(net.network, net.network.owner)
    html = client.get("/communes/29232/").content.decode()
    assert 'fill="#f08a24"' in html and 'stroke="#ff00ff"' in html


def test_pdf_stays_one_page_with_many_critical_sites(client, mayor, tmp_path):
    """A town has dozens of schools and care homes: the PDF counts them per category."""
    from django.contrib.gis.geos import Point

    from network.models import Premises

    user, net = mayor
    pbo = net.enclosures["BP-PBO3"]
    Premises.objects.bulk_create(
        Premises(network=net.network, code=f"AD-SCHOOL-{i}", geom=Point(pbo.geom.x + 5 * i, pbo.geom.y - 30, srid=2154),
                 commune_id="29232", pbo=pbo, critical_category="school", address=f"{i} rue des Écoles")
        for i in range(40)
    )
    client.force_login(user)
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(client.get("/communes/29232/pdf/").content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert dict(line.split(":", 1) for line in info.splitlines() if ":" in line)["Pages"].strip() == "1"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    school = next(line for line in text.splitlines() if line.strip().startswith("École"))
    assert school.split()[1:3] == ["40", "40"]  # total, in service
