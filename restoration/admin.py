from django.contrib.gis import admin

from core.admin import AuditedGISModelAdmin, AuditedModelAdmin

from .models import Crew, DamageReport


@admin.register(Crew)
class CrewAdmin(AuditedModelAdmin):
    list_display = ("name", "organisation", "teams", "interventions_per_day", "working_hours_per_day", "active")
    list_filter = ("active",)
    list_editable = ("teams", "active")


@admin.register(DamageReport)
class DamageReportAdmin(AuditedGISModelAdmin):
    list_display = ("id", "kind", "network", "commune", "status", "reported_at", "organisation", "ticket")
    list_filter = ("status", "kind")
    raw_id_fields = ("network", "commune", "reported_by", "organisation", "group", "ticket", "triaged_by")
