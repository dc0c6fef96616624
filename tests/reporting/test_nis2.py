"""NIS2 drafts: the three deadlines from the awareness time with their state, prefilled fields that
the crisis cell edits, the early-warning JSON and PDF exports, audit, scoping."""
import subprocess
from datetime import datetime, timedelta, timezone as dt_timezone

from core.models import AuditEvent
from reporting.models import Nis2Draft
from reporting.services.nis2 import add_month


def test_deadlines_from_awareness_time_and_early_warning_export(client, cell, crisis):
    client.force_login(cell.manager)
    aware = datetime.now(dt_timezone.utc) - timedelta(hours=30)
    response = client.patch(f"/api/v1/crises/{crisis.pk}/", {"significant": True, "awareness_time": aware.isoformat()},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    doc = client.get(f"/api/v1/crises/{crisis.pk}/nis2/").json()
    assert doc["significant"] is True
    due = {k: datetime.fromisoformat(doc[k]["due"]) for k in ("early_warning", "notification", "final_report")}
    assert due["early_warning"] == aware + timedelta(hours=24)
    assert due["notification"] == aware + timedelta(hours=72)
    assert due["final_report"] == add_month(aware + timedelta(hours=72))
    assert doc["early_warning"]["state"] == "overdue" and doc["notification"]["state"] == "due_in"
    fields = doc["early_warning"]["fields"]
    assert fields["incident_title"] == "Tempête Ciarán" and fields["entity"] == cell.network.owner.name
    assert fields["users_affected"] > 0 and fields["suspected_malicious"] is False
    assert "notification" in doc and "indicators_of_compromise" in doc["notification"]["fields"]

    patched = client.patch(f"/api/v1/crises/{crisis.pk}/nis2/early_warning/",
                           {"fields": {"contact": "Astreinte SOC 02 98 00 00 00", "cross_border_impact": False}, "sent": True},
                           content_type="application/json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["state"] == "sent" and patched.json()["fields"]["contact"].startswith("Astreinte SOC")
    assert AuditEvent.objects.filter(object_id=str(Nis2Draft.objects.get().pk)).exists()

    export = client.get(f"/api/v1/crises/{crisis.pk}/nis2/early_warning/json/").json()
    assert export["stage"] == "early_warning" and export["due"] == doc["early_warning"]["due"]
    for name in ("entity", "awareness_time", "suspected_malicious", "cross_border_impact", "initial_assessment",
                 "users_affected", "duration_hours", "contact"):
        assert export["fields"][name] not in (None, ""), name
    assert export["fields"]["awareness_time"] == aware.isoformat()

    pdf = client.get(f"/api/v1/crises/{crisis.pk}/nis2/early_warning/pdf/")
    assert pdf.status_code == 200
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "Alerte précoce" in text and "Astreinte SOC" in text


def test_final_report_due_one_month_after_the_notification_was_sent(client, cell, crisis):
    client.force_login(cell.manager)
    aware = datetime(2026, 1, 31, 8, 0, tzinfo=dt_timezone.utc)
    client.patch(f"/api/v1/crises/{crisis.pk}/", {"significant": True, "awareness_time": aware.isoformat()},
                 content_type="application/json")
    doc = client.get(f"/api/v1/crises/{crisis.pk}/nis2/").json()
    assert doc["final_report"]["due"] == "2026-03-03T08:00:00+00:00"  # 72 h → 3 Feb, one month → 3 Mar
    client.patch(f"/api/v1/crises/{crisis.pk}/nis2/notification/", {"sent": True}, content_type="application/json")
    sent = Nis2Draft.objects.get(stage="notification").sent_at
    doc = client.get(f"/api/v1/crises/{crisis.pk}/nis2/").json()
    assert datetime.fromisoformat(doc["final_report"]["due"]) == add_month(sent)


def test_bad_input_and_scoping(client, cell, crisis):
    client.force_login(cell.manager)
    assert client.patch(f"/api/v1/crises/{crisis.pk}/", {"significant": True}, content_type="application/json").status_code == 400
    doc = client.get(f"/api/v1/crises/{crisis.pk}/nis2/").json()
    assert doc["early_warning"]["due"] is None and doc["early_warning"]["state"] == "not_applicable"
    bad = client.patch(f"/api/v1/crises/{crisis.pk}/nis2/early_warning/", {"fields": {"users_affected": "many", "nope": 1}},
                       content_type="application/json")
    assert bad.status_code == 400
    paths = {e["path"] for e in bad.json()["errors"]}
    assert any("users_affected" in p for p in paths) and any("nope" in p for p in paths)
    assert client.get(f"/api/v1/crises/{crisis.pk}/nis2/unknown/").status_code == 404
    client.force_login(cell.stranger)
    assert client.get(f"/api/v1/crises/{crisis.pk}/nis2/").status_code == 404
    client.force_login(cell.viewer)
    assert client.get(f"/api/v1/crises/{crisis.pk}/nis2/").status_code == 200
    assert client.patch(f"/api/v1/crises/{crisis.pk}/nis2/early_warning/", {"fields": {}},
                        content_type="application/json").status_code == 403


def test_crisis_events_are_emitted(client, cell):
    from webhooks.models import OutboxEvent

    client.force_login(cell.manager)
    response = client.post("/api/v1/crises/", {"name": "Crue de l'Odet", "level": "alert", "networks": ["net-a"]},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    cid = response.json()["id"]
    opened = OutboxEvent.objects.get(event_type="crisis.opened")
    assert opened.payload["crisis"]["id"] == cid and opened.payload["crisis"]["networks"] == ["net-a"]
    assert client.patch(f"/api/v1/crises/{cid}/", {"closed_at": datetime.now(dt_timezone.utc).isoformat()},
                        content_type="application/json").status_code == 200
    closed = OutboxEvent.objects.get(event_type="crisis.closed")
    assert closed.subject == f"crisis:{cid}" and closed.sequence == 2
