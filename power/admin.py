"""Admin of the power app. A supply edited here goes through the same audited service as the API."""
from django.contrib.gis import admin

from core.admin import AuditedGISModelAdmin, AuditedModelAdmin

from .models import MobileGenerator, OutageRaw, PowerNotice, PowerOutage, PowerSupply, SiteStateOverride
from .services.outages import schedule_check


class AuditedAdmin(AuditedGISModelAdmin):
    """Audited like every admin (core.admin); a change also asks for a fresh power check of its network."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        network_id = getattr(obj, "network_id", None)
        if network_id:
            schedule_check(network_id)


@admin.register(PowerSupply)
class PowerSupplyAdmin(AuditedAdmin):
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
class OutageRawAdmin(AuditedModelAdmin):
    list_display = ("id", "channel", "outcome", "received_at", "origin")
    list_filter = ("channel", "outcome")
    exclude = ("payload",)
    readonly_fields = ("sha256", "error", "received_at")


@admin.register(PowerNotice)
class PowerNoticeAdmin(AuditedModelAdmin):
    list_display = ("supply", "kind", "episode", "dark_at", "emitted_at")
    list_filter = ("kind",)
    readonly_fields = ("supply", "kind", "episode", "dark_at", "emitted_at")
