"""Scheduled situation reports (beat task) and the e-mail to the distribution list (Django's locmem
backend: the message and its PDF attachment as the SMTP server would get them). Off by default."""
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from reporting.models import SituationReport, SitRepTrigger
from reporting.services.sitreps import publish_sitrep, set_schedule
from reporting.tasks import email_sitrep, run_due_schedules


def test_beat_publishes_due_schedules_once_and_moves_on(crisis, settings):
    assert settings.CELERY_BEAT_SCHEDULE["reporting-sitrep-schedules"]["task"] == "reporting.tasks.run_due_schedules"
    schedule = set_schedule(crisis, interval_hours=6, first_at=timezone.now() - timedelta(hours=13))
    assert run_due_schedules() and SituationReport.objects.get().trigger == SitRepTrigger.SCHEDULED
    schedule.refresh_from_db()
    assert timezone.now() < schedule.next_at <= timezone.now() + timedelta(hours=6)  # one report, not three
    assert run_due_schedules() == []
    crisis.closed_at = timezone.now()
    crisis.save()
    schedule.next_at = timezone.now() - timedelta(minutes=1)
    schedule.save()
    assert run_due_schedules() == []  # a closed crisis gets no more reports


def test_email_off_by_default(crisis, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    set_schedule(crisis, send_email=True, recipients="prefecture@example.org")
    assert settings.SITREP_EMAIL_ENABLED is False
    report = publish_sitrep(crisis)
    assert email_sitrep(report.pk) == "disabled" and mail.outbox == []


def test_email_sends_the_pdf_to_the_distribution_list(crisis, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITREP_EMAIL_ENABLED = True
    set_schedule(crisis, send_email=True, recipients="cod@finistere.gouv.fr\nmaire@quimper.bzh")
    report = publish_sitrep(crisis)
    assert email_sitrep(report.pk) == "sent"
    [message] = mail.outbox
    assert message.to == ["cod@finistere.gouv.fr", "maire@quimper.bzh"]
    assert "point de situation n° 1" in message.subject and "Tempête Ciarán" in message.subject
    [(name, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    report.refresh_from_db()
    assert report.emailed_at is not None
    assert email_sitrep(report.pk) == "nothing"  # sent once
