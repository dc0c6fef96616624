import json

from django.contrib.gis import admin
from django.utils.html import format_html

from core.admin import AuditedGISModelAdmin, AuditedModelAdmin

from .models import Alert, DamageModel, ExposureRun, FeedState, FloodZone, RawMessage, VulnerabilityRule
from .services.damage import DEFAULT_PARAMETERS


@admin.register(Alert)
class AlertAdmin(AuditedGISModelAdmin):
    list_display = ("id", "source", "hazard", "level", "lifecycle", "status", "onset", "expires", "organisation")
    list_filter = ("source", "hazard", "level", "lifecycle", "status")
    search_fields = ("identifier", "sender", "headline")
    raw_id_fields = ("raw_message", "superseded_by", "organisation", "network")
    filter_horizontal = ("departements",)
    exclude = ("communes",)


@admin.register(RawMessage)
class RawMessageAdmin(AuditedModelAdmin):
    list_display = ("id", "source", "outcome", "size", "received_at", "origin")
    list_filter = ("source", "outcome")
    exclude = ("payload",)
    readonly_fields = ("sha256", "error", "received_at")


@admin.register(VulnerabilityRule)
class VulnerabilityRuleAdmin(AuditedModelAdmin):
    """The vulnerability matrix: hazard × asset class × level → failure probability."""

    list_display = ("hazard", "asset_class", "level", "probability")
    list_editable = ("probability",)
    list_filter = ("hazard", "asset_class", "level")


@admin.register(ExposureRun)
class ExposureRunAdmin(AuditedModelAdmin):
    list_display = ("id", "alert", "network", "network_version", "status", "computed_at", "duration_ms")
    list_filter = ("status",)
    exclude = ("assets",)


admin.site.register(FloodZone, AuditedGISModelAdmin)
admin.site.register(FeedState, AuditedModelAdmin)


@admin.register(DamageModel)
class DamageModelAdmin(AuditedModelAdmin):
    """The storm damage model per network (overrides of the calibrated defaults, docs/damage-model.md)."""

    list_display = ("__str__", "network", "updated_at")
    raw_id_fields = ("network",)
    readonly_fields = ("defaults",)

    @admin.display(description="valeurs calibrées livrées")
    def defaults(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(DEFAULT_PARAMETERS, indent=2))
