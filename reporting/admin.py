from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import Nis2Draft, SitRepSchedule, SituationReport


@admin.register(SituationReport)
class SituationReportAdmin(AuditedModelAdmin):
    list_display = ["crisis", "number", "at", "trigger", "emailed_at"]
    list_filter = ["trigger"]
    readonly_fields = ["figures"]


@admin.register(SitRepSchedule)
class SitRepScheduleAdmin(AuditedModelAdmin):
    list_display = ["crisis", "enabled", "interval_hours", "next_at", "send_email"]


@admin.register(Nis2Draft)
class Nis2DraftAdmin(AuditedModelAdmin):
    list_display = ["crisis", "stage", "sent_at", "updated_at"]
    list_filter = ["stage"]
