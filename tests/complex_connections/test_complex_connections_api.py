"""/api/v1/complex-connections/: filters, totals that add up, CSV and GeoJSON, scoping, workflow."""
import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEvent
from complex_connections.models import ComplexConnection
from complex_connections.services.detect import detect_complex_connections
from organisations.models import OrganisationKind
from tests.builders import build_small_network
from tests.complex_connections.complex_connections_helpers import cases_by_code

URL = "/api/v1/complex-connections/"


@pytest.fixture
def detected(small):
    # Move AD-3-3 to Brest on paper, so that there are two communes.
    premises = small.premises["AD-3-3"]
    premises.commune_id = "29019"
    premises.save()
    detect_complex_connections(small.network)
    return small


@pytest.fixture
def owner_client(detected, token_client):
    return token_client(detected.network.owner, "crisis_manager")[0]


def codes(response):
    assert response.status_code == 200, response.content
    return sorted(row["premises"] for row in response.json()["results"])


def test_list_and_filters(owner_client):
    assert codes(owner_client.get(URL, {"network": "net-a"})) == ["AD-2-2", "AD-2-3", "AD-3-2", "AD-3-3"]
    assert codes(owner_client.get(URL, {"network": "net-a", "commune": "29019"})) == ["AD-3-3"]
    assert codes(owner_client.get(URL, {"network": "net-a", "rule": "no_route"})) == ["AD-2-3", "AD-3-3"]
    assert codes(owner_client.get(URL, {"network": "net-a", "min_cost": "3000"})) == ["AD-3-2", "AD-3-3"]
    assert codes(owner_client.get(URL, {"network": "net-a", "max_cost": "1500"})) == ["AD-2-2"]
    assert codes(owner_client.get(URL, {"network": "net-a", "critical": "true"})) == []


def test_filter_by_status_after_a_transition(owner_client, detected):
    case = cases_by_code(detected.network)["AD-3-2"]
    response = owner_client.post(f"{URL}{case.pk}/transition/", {"status": "surveyed"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "surveyed"
    assert codes(owner_client.get(URL, {"network": "net-a", "status": "surveyed"})) == ["AD-3-2"]
    assert codes(owner_client.get(URL, {"network": "net-a", "status": "detected"})) == ["AD-2-2", "AD-2-3", "AD-3-3"]


def test_bad_filter_values_are_named(owner_client):
    response = owner_client.get(URL, {"rule": "nope"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "rule"
    response = owner_client.get(f"{URL}geojson/", {"bbox": "1,2,3"})
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "bbox"


def test_detail_has_explanation_breakdown_and_transitions(owner_client, detected):
    case = cases_by_code(detected.network)["AD-3-3"]
    data = owner_client.get(f"{URL}{case.pk}/").json()
    assert data["rules"] == ["no_route", "private_works"]
    assert data["findings"][0]["explanation"].startswith("Aucun cheminement à moins de 50 m")
    assert sum(Decimal(line["amount"]) for line in data["cost_breakdown"]) == Decimal(data["estimated_cost"])
    assert Decimal(data["estimated_cost"]) - Decimal(data["aid"]) == Decimal(data["remaining_charge"])
    assert data["allowed_transitions"] == ["abandoned", "surveyed"]
    assert data["commune"] == "29019" and data["notes"] == []


def test_totals_per_commune_add_up(owner_client):
    listed = owner_client.get(URL, {"network": "net-a"}).json()["results"]
    totals = owner_client.get(f"{URL}totals/", {"network": "net-a", "group": "commune"}).json()
    by_commune = {row["insee"]: row for row in totals["results"]}
    assert set(by_commune) == {"29019", "29232"}
    assert by_commune["29019"]["cases"] == 1 and by_commune["29232"]["cases"] == 3
    for key in ("estimated_cost", "aid", "remaining_charge"):
        summed = sum(Decimal(row[key]) for row in totals["results"])
        assert summed == sum(Decimal(case[key]) for case in listed) == Decimal(totals["total"][key])
    assert totals["total"]["cases"] == 4
    per_network = owner_client.get(f"{URL}totals/", {"network": "net-a"}).json()["results"]
    assert per_network == [{**{k: totals["total"][k] for k in ("cases", "estimated_cost", "aid", "remaining_charge")},
                            "network": "net-a"}]


@pytest.mark.parametrize("path, params", [(URL, {"network": "net-a", "format": "csv"}), (f"{URL}export.csv", {"network": "net-a"})])
def test_csv_export_parses(owner_client, path, params):
    response = owner_client.get(path, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r["premises"] for r in rows) == ["AD-2-2", "AD-2-3", "AD-3-2", "AD-3-3"]
    assert sum(Decimal(r["estimated_cost"]) for r in rows) == sum(
        ComplexConnection.objects.values_list("estimated_cost", flat=True))
    assert {r["commune_insee"] for r in rows} == {"29232", "29019"}


def test_csv_export_keeps_filters(owner_client):
    response = owner_client.get(f"{URL}export.csv", {"network": "net-a", "rule": "no_route"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r["premises"] for r in rows) == ["AD-2-3", "AD-3-3"]


def test_geojson_layer_in_wgs84_with_bbox(owner_client):
    data = owner_client.get(f"{URL}geojson/", {"network": "net-a"}).json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4
    lon, lat = data["features"][0]["geometry"]["coordinates"]
    assert -4.2 < lon < -4.0 and 47.9 < lat < 48.1  # Quimper
    # A box around nothing but the PBO3 side (east, south): AD-3-2 and AD-3-3.
    pbo3 = {f["properties"]["premises"]: f["geometry"]["coordinates"] for f in data["features"]}
    x = sorted([pbo3["AD-3-2"][0] - 0.0001, pbo3["AD-3-3"][0] + 0.0001])
    y = sorted([pbo3["AD-3-2"][1] - 0.0001, pbo3["AD-3-3"][1] + 0.0001])
    box = f"{x[0]},{y[0]},{x[1]},{y[1]}"
    inside = owner_client.get(f"{URL}geojson/", {"network": "net-a", "bbox": box}).json()
    assert sorted(f["properties"]["premises"] for f in inside["features"]) == ["AD-3-2", "AD-3-3"]


def test_another_organisation_sees_nothing(detected, token_client):
    other = build_small_network("net-b", owner="syn-b", operator="oi-b")
    client = token_client(other.network.owner, "crisis_manager")[0]
    case = cases_by_code(detected.network)["AD-3-3"]
    assert codes(client.get(URL, {"network": "net-a"})) == []
    assert codes(client.get(URL)) == []
    assert client.get(f"{URL}{case.pk}/").status_code == 404
    assert client.post(f"{URL}{case.pk}/transition/", {"status": "surveyed"}, format="json").status_code == 404
    assert client.get(f"{URL}totals/", {"network": "net-a"}).json()["total"]["cases"] == 0
    assert client.get(f"{URL}geojson/", {"network": "net-a"}).json()["features"] == []
    body = b"".join(client.get(f"{URL}export.csv", {"network": "net-a"}).streaming_content).decode()
    assert body.strip().count("\n") == 0  # header only


def test_operator_of_the_network_sees_the_cases(detected, token_client):
    client = token_client(detected.network.operator, "operator_agent")[0]
    assert len(codes(client.get(URL, {"network": "net-a"}))) == 4


def test_elected_official_sees_totals_of_their_commune_only(detected, token_client, make_org):
    brest = make_org("mairie-brest", kind=OrganisationKind.COMMUNE, insee_code="29019")
    client = token_client(brest, "elected_official")[0]
    assert client.get(URL, {"network": "net-a"}).status_code == 403
    case = cases_by_code(detected.network)["AD-3-3"]
    assert client.get(f"{URL}{case.pk}/").status_code == 403
    assert client.get(f"{URL}export.csv").status_code == 403
    totals = client.get(f"{URL}totals/", {"network": "net-a", "group": "commune"}).json()
    assert [row["insee"] for row in totals["results"]] == ["29019"]
    assert totals["total"]["cases"] == 1
    assert Decimal(totals["total"]["estimated_cost"]) == case.estimated_cost


def test_forbidden_transition_names_both_statuses(owner_client, detected):
    case = cases_by_code(detected.network)["AD-2-2"]
    response = owner_client.post(f"{URL}{case.pk}/transition/", {"status": "connected"}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["path"] == "status" and "detected" in error["reason"] and "connected" in error["reason"]
    response = owner_client.post(f"{URL}{case.pk}/transition/", {"status": "abandoned"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "reason"
    response = owner_client.post(f"{URL}{case.pk}/transition/", {"status": "abandoned", "reason": "Propriétaire injoignable"},
                                 format="json")
    assert response.status_code == 200 and response.json()["abandon_reason"] == "Propriétaire injoignable"


def test_viewer_cannot_change_a_case(detected, token_client):
    client = token_client(detected.network.owner, "viewer")[0]
    case = cases_by_code(detected.network)["AD-2-2"]
    assert client.get(f"{URL}{case.pk}/").status_code == 200
    assert client.post(f"{URL}{case.pk}/transition/", {"status": "surveyed"}, format="json").status_code == 403
    assert client.post(f"{URL}{case.pk}/notes/", {"text": "x"}, format="json").status_code == 403


def test_notes_assignment_and_audit(owner_client, detected):
    case = cases_by_code(detected.network)["AD-2-2"]
    response = owner_client.post(f"{URL}{case.pk}/notes/", {"text": "Visite prévue mardi"}, format="json")
    assert response.status_code == 201 and response.json()["organisation"] == "syn-a"
    assert owner_client.post(f"{URL}{case.pk}/notes/", {"text": " "}, format="json").json()["errors"][0]["path"] == "text"
    response = owner_client.patch(f"{URL}{case.pk}/", {"assigned_organisation": "oi-a"}, format="json")
    assert response.status_code == 200 and response.json()["assigned_organisation"] == "oi-a"
    response = owner_client.patch(f"{URL}{case.pk}/", {"assigned_organisation": "syn-b"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "assigned_organisation"
    detail = owner_client.get(f"{URL}{case.pk}/").json()
    assert [n["text"] for n in detail["notes"]] == ["Visite prévue mardi"]
    updates = AuditEvent.objects.filter(object_id=str(case.pk), action="update", content_type__model="complexconnection")
    assert updates.get().after["assigned_organisation_id"] == detected.network.operator_id
    assert updates.get().organisation_id == detected.network.owner_id
    assert AuditEvent.objects.filter(content_type__model="complexconnectionnote", action="create").count() == 1


def test_attachments_type_and_size_checked(owner_client, detected, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = cases_by_code(detected.network)["AD-2-2"]
    url = f"{URL}{case.pk}/attachments/"
    pdf = SimpleUploadedFile("devis.pdf", b"%PDF-1.4\n%fake quote\n", content_type="application/pdf")
    response = owner_client.post(url, {"file": pdf}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf"
    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = owner_client.post(url, {"file": exe}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "file"
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2000, content_type="application/pdf")  # limit 1 024 in tests
    response = owner_client.post(url, {"file": big}, format="multipart")
    assert response.status_code == 400 and "trop gros" in response.json()["errors"][0]["reason"]
    assert [a["filename"] for a in owner_client.get(url).json()] == ["devis.pdf"]
    assert AuditEvent.objects.filter(content_type__model="complexconnectionattachment").count() == 1


def test_api_root_lists_complex_connections(owner_client):
    assert "complex-connections" in owner_client.get("/api/v1/").json()


def test_critical_filter(small, token_client):
    hospital = small.premises["AD-2-1"]
    hospital.connection_status = "RD"
    hospital.save()
    detect_complex_connections(small.network)
    client = token_client(small.network.owner, "viewer")[0]
    assert codes(client.get(URL, {"network": "net-a", "critical": "true"})) == ["AD-2-1"]
    assert "AD-2-1" not in codes(client.get(URL, {"network": "net-a", "critical": "false"}))
    assert client.get(URL, {"network": "net-a"}).json()["results"][0]["premises"] == "AD-2-1"  # priority first
