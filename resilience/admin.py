from django.contrib.gis import admin

from .models import Alert, DamageModel, ExposureRun, FeedState, FloodZone, RawMessage, VulnerabilityRule


@admin.register(Alert)
class AlertAdmin(admin.GISModelAdmin):
    list_display = ("id", "source", "hazard", "level", "lifecycle", "status", "onset", "expires", "organisation")
    list_filter = ("source", "hazard", "level", "lifecycle", "status")
    search_fields = ("identifier", "sender", "headline")
    raw_id_fields = ("raw_message", "superseded_by", "organisation", "network")
    filter_horizontal = ("departements",)
    exclude = ("communes",)


@admin.register(RawMessage)
class RawMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "outcome", "size", "received_at", "origin")
    list_filter = ("source", "outcome")
    exclude = ("payload",)
    readonly_fields = ("sha256", "error", "received_at")


@admin.register(VulnerabilityRule)
class VulnerabilityRuleAdmin(admin.ModelAdmin):
    """The vulnerability matrix: hazard × asset class × level → failure probability."""

    list_display = ("hazard", "asset_class", "level", "probability")
    list_editable = ("probability",)
    list_filter = ("hazard", "asset_class", "level")


@admin.register(ExposureRun)
class ExposureRunAdmin(admin.ModelAdmin):
    list_display = ("id", "alert", "network", "network_version", "status", "computed_at", "duration_ms")
    list_filter = ("status",)
    exclude = ("assets",)


admin.site.register(FloodZone, admin.GISModelAdmin)
admin.site.register(FeedState)


@admin.register(DamageModel)
class DamageModelAdmin(admin.ModelAdmin):
    """The storm damage model per network (overrides of the calibrated defaults, docs/damage-model.md)."""

    list_display = ("__str__", "network", "updated_at")
    raw_id_fields = ("network",)
    readonly_fields = ("defaults",)

    @admin.display(description="valeurs calibrées livrées")
    def defaults(self, obj):
        import json

        from django.utils.html import format_html

        from .services.damage import DEFAULT_PARAMETERS

        return format_html("<pre>{}</pre>", json.dumps(DEFAULT_PARAMETERS, indent=2))
