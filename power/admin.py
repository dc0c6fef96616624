"""Admin of the power app. A supply edited here goes through the same audited service as the API."""
from django.contrib.gis import admin

from core.audit import record, snapshot
from core.models import AuditEvent

from .models import MobileGenerator, OutageRaw, PowerNotice, PowerOutage, PowerSupply, SiteStateOverride
from .services.outages import schedule_check
from .services.supplies import AUDITED


class AuditedAdmin(admin.GISModelAdmin):
    """Saves and deletes recorded in the audit trail (who, before, after)."""

    audited_fields = None

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            old = type(obj).objects.get(pk=obj.pk)
            before = snapshot(old, self.audited_fields)
        super().save_model(request, obj, form, change)
        record(obj, AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE, actor=request.user,
               before=before, after=snapshot(obj, self.audited_fields))
        network_id = getattr(obj, "network_id", None)
        if network_id:
            schedule_check(network_id)

    def delete_model(self, request, obj):
        record(obj, AuditEvent.Action.DELETE, actor=request.user, before=snapshot(obj, self.audited_fields))
        super().delete_model(request, obj)


@admin.register(PowerSupply)
class PowerSupplyAdmin(AuditedAdmin):
    audited_fields = AUDITED
    list_display = ("site", "network", "battery_hours", "battery_tested_on", "generator", "fuel_hours",
                    "mobile_connectable", "updated_at")
    list_filter = ("network", "generator", "mobile_connectable")
    search_fields = ("site__code", "site__name", "delivery_point")
    raw_id_fields = ("site", "mobile_generator", "updated_by")
    readonly_fields = ("updated_at",)


@admin.register(PowerOutage)
class PowerOutageAdmin(AuditedAdmin):
    list_display = ("id", "network", "source", "reference", "start", "expected_end", "ended_at")
    list_filter = ("network", "source")
    search_fields = ("reference", "source")
    raw_id_fields = ("raw", "organisation")
    filter_horizontal = ("communes",)


@admin.register(MobileGenerator)
class MobileGeneratorAdmin(AuditedAdmin):
    list_display = ("name", "network", "count", "runtime_hours", "power_kva")
    list_filter = ("network",)


@admin.register(SiteStateOverride)
class SiteStateOverrideAdmin(AuditedAdmin):
    list_display = ("supply", "state", "at", "comment", "created_by")
    list_filter = ("state",)
    raw_id_fields = ("supply", "created_by")


@admin.register(OutageRaw)
class OutageRawAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "outcome", "received_at", "origin")
    list_filter = ("channel", "outcome")
    exclude = ("payload",)
    readonly_fields = ("sha256", "error", "received_at")


@admin.register(PowerNotice)
class PowerNoticeAdmin(admin.ModelAdmin):
    list_display = ("supply", "kind", "episode", "dark_at", "emitted_at")
    list_filter = ("kind",)
    readonly_fields = ("supply", "kind", "episode", "dark_at", "emitted_at")
