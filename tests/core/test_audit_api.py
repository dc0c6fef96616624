"""The audit trail through the API: auditor/admin only, own organisation's changes, CSV export."""
import csv
import io

from core.audit import record
from core.models import AuditEvent
from organisations.models import OrganisationKind


def test_auditor_reads_own_organisation_changes_and_exports_csv(make_org, token_client):
    syn, other = make_org("syn-a"), make_org("syn-b")
    record(syn, "update", organisation=syn, before={"name": "old"}, after={"name": "new"})
    record(other, "update", organisation=other)
    client, _ = token_client(syn, role="auditor")
    body = client.get("/api/v1/audit/?object_type=organisations.organisation").json()
    assert [(e["object_type"], e["organisation"], e["before"]) for e in body["results"]] == [
        ("organisations.organisation", "syn-a", {"name": "old"})]
    response = client.get("/api/v1/audit/export.csv?object_type=organisations.organisation")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1 and rows[0]["organisation"] == "syn-a" and '"name": "new"' in rows[0]["after"]


def test_other_roles_cannot_read_the_audit_trail(make_org, token_client):
    oi = make_org("oi-a", kind=OrganisationKind.OPERATOR)
    for role in ("operator_agent", "viewer", "elected_official", "crisis_manager"):
        client, _ = token_client(oi, role=role, username=f"u-{role}")
        assert client.get("/api/v1/audit/").status_code == 403


def test_alert_changes_are_audited(db):
    import json

    from resilience.services.ingest import ingest_payload

    ring = [[-4.2, 47.9], [-4.0, 47.9], [-4.0, 48.1], [-4.2, 47.9]]
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
               "properties": {"hazard": "wind", "level": 3, "departement": "29"}}
    alert = ingest_payload(json.dumps(feature).encode(), "geojson", allow_expired=True).alerts[0]
    event = AuditEvent.objects.get(content_type__model="alert", object_id=str(alert.pk))
    assert event.action == "create" and event.after["hazard"] == "wind"
