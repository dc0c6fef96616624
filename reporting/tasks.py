"""Celery tasks of reporting: the beat entry that publishes the scheduled situation reports, and
the e-mailing of a report's PDF to the crisis's distribution list (off unless SITREP_EMAIL_ENABLED)."""
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)


@shared_task(name="reporting.tasks.run_due_schedules", ignore_result=True)
def run_due_schedules():
    """Beat (every SITREP_SCHEDULE_INTERVAL seconds): publish every due scheduled report, and send
    the e-mails that were never sent (a broker lost between publish and send)."""
    from .models import SituationReport
    from .services.sitreps import run_due_schedules as run

    published = run()
    if settings.SITREP_EMAIL_ENABLED:
        stale = SituationReport.objects.filter(
            emailed_at__isnull=True, email_error="", crisis__sitrep_schedule__send_email=True,
            created_at__lt=timezone.now() - timezone.timedelta(minutes=5),
            created_at__gt=timezone.now() - timezone.timedelta(days=1))
        for pk in stale.values_list("pk", flat=True)[:50]:
            email_sitrep(pk)
    return published


@shared_task(name="reporting.tasks.email_sitrep", ignore_result=True)
def email_sitrep(report_id):
    """Send the report's PDF to its crisis's distribution list (SMTP settings: EMAIL_*)."""
    from django.core.mail import EmailMessage
    from django.utils import translation

    from .models import SituationReport
    from .services.export import as_pdf

    if not settings.SITREP_EMAIL_ENABLED:
        return "disabled"
    report = SituationReport.objects.select_related("crisis", "crisis__sitrep_schedule").filter(pk=report_id).first()
    if report is None or report.emailed_at:
        return "nothing"
    schedule = getattr(report.crisis, "sitrep_schedule", None)
    recipients = schedule.recipient_list if schedule and schedule.send_email else []
    if not recipients:
        return "no recipients"
    with translation.override("fr"):
        subject = f"[Vigie Fibre] {report.crisis.name} — point de situation n° {report.number}"
        body = (f"Point de situation n° {report.number} de la crise « {report.crisis.name} », "
                f"situation au {timezone.localtime(report.at):%d/%m/%Y %H:%M}.\n\nLe PDF est joint.\n")
    message = EmailMessage(subject, body, settings.SITREP_EMAIL_FROM, recipients)
    message.attach(f"point-de-situation-{report.crisis_id}-{report.number}.pdf", as_pdf(report), "application/pdf")
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - SMTP refusals come in many classes; kept on the report
        SituationReport.objects.filter(pk=report.pk).update(email_error=str(exc)[:500])
        log.warning("sitrep %s e-mail failed: %s", report.pk, exc)
        return "failed"
    SituationReport.objects.filter(pk=report.pk).update(emailed_at=timezone.now(), email_error="")
    return "sent"
