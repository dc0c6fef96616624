"""Publishing a situation report (*publier un point de situation*): compute the figures, keep them
with the crisis, emit `crisis.sitrep_published`, and, after commit, e-mail the PDF to the crisis's
distribution list when that is switched on (SITREP_EMAIL_ENABLED and the schedule's `send_email`)."""
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import record
from core.models import AuditEvent

from ..models import SitRepSchedule, SituationReport, SitRepTrigger
from .figures import sitrep_figures


def event_payload(report: SituationReport) -> dict:
    base = f"crises/{report.crisis_id}/sitreps/{report.pk}/"
    return {"sitrep": {"id": report.pk, "crisis": report.crisis_id, "number": report.number,
                       "at": report.at.isoformat(), "totals": report.figures.get("totals", {}),
                       "pdf": base + "pdf/", "csv": base + "csv/", "json": base + "json/"}}


def publish_sitrep(crisis, *, actor=None, organisation=None, trigger=SitRepTrigger.MANUAL, at=None) -> SituationReport:
    """A new report of `crisis` at `at` (default now), numbered after the previous one."""
    from incidents.services.crisis import crisis_organisation_ids
    from webhooks.services.outbox import emit

    at = at or timezone.now()
    previous = SituationReport.objects.filter(crisis=crisis).order_by("-number").first()
    figures = sitrep_figures(crisis, at, previous)
    with transaction.atomic():
        number = (SituationReport.objects.filter(crisis=crisis).aggregate(m=Max("number"))["m"] or 0) + 1
        report = SituationReport.objects.create(
            crisis=crisis, number=number, at=at, figures=figures, previous=previous, trigger=trigger,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        record(report, AuditEvent.Action.CREATE, actor=actor, organisation=organisation,
               after={"crisis": crisis.pk, "number": number, "at": at.isoformat(), "trigger": trigger})
        emit("crisis.sitrep_published", event_payload(report), organisations=crisis_organisation_ids(crisis),
             subject=f"crisis:{crisis.pk}")
        schedule = SitRepSchedule.objects.filter(crisis=crisis, send_email=True).first()
        if schedule and schedule.recipient_list:
            from ..tasks import email_sitrep

            transaction.on_commit(lambda: _enqueue(email_sitrep, report.pk))
    return report


def _enqueue(task, pk):
    try:
        task.delay(pk)
    except Exception:  # broker down: the sweeper of due e-mails picks it up  # noqa: BLE001
        pass


def set_schedule(crisis, *, actor=None, organisation=None, enabled=True, interval_hours=6, send_email=False,
                 recipients="", first_at=None) -> SitRepSchedule:
    """Create or change the crisis's schedule; the first scheduled report is due `first_at` (default:
    one interval from now)."""
    with transaction.atomic():
        schedule, created = SitRepSchedule.objects.get_or_create(
            crisis=crisis, defaults={"next_at": first_at or timezone.now() + timedelta(hours=interval_hours)})
        before = None if created else {"enabled": schedule.enabled, "interval_hours": schedule.interval_hours,
                                       "send_email": schedule.send_email, "recipients": schedule.recipients}
        schedule.enabled, schedule.interval_hours = enabled, interval_hours
        schedule.send_email, schedule.recipients = send_email, recipients
        if first_at:
            schedule.next_at = first_at
        schedule.save()
        record(schedule, AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE, actor=actor,
               organisation=organisation, before=before)
    return schedule


def run_due_schedules(now=None) -> list[int]:
    """Publish a report for every enabled schedule of an open crisis that is due; returns their ids.
    A schedule late by several intervals (beat stopped) publishes one report and moves on."""
    now = now or timezone.now()
    published = []
    due = SitRepSchedule.objects.filter(enabled=True, next_at__lte=now, crisis__closed_at__isnull=True)
    for schedule_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            schedule = (SitRepSchedule.objects.select_for_update(skip_locked=True).select_related("crisis")
                        .filter(pk=schedule_id, next_at__lte=now).first())
            if schedule is None:
                continue  # another beat/worker took it
            step = timedelta(hours=schedule.interval_hours)
            while schedule.next_at <= now:
                schedule.next_at += step
            schedule.save(update_fields=["next_at", "updated_at"])
            report = publish_sitrep(schedule.crisis, trigger=SitRepTrigger.SCHEDULED, at=now)
            published.append(report.pk)
    return published
