"""Admin of the network app."""
from django.contrib import admin

# --- Complex connections (raccordements complexes, issue 10) ------------------------------------
from .models import (
    ComplexConnection, ComplexConnectionAttachment, ComplexConnectionCostModel, ComplexConnectionNote,
)


@admin.register(ComplexConnectionCostModel)
class ComplexConnectionCostModelAdmin(admin.ModelAdmin):
    """Unit costs and aid tiers. Saving re-prices the live estimates (detected, surveyed cases)."""

    list_display = ["__str__", "base_connection", "trench_per_m", "aerial_per_m", "facade_per_m", "new_pole", "chamber",
                    "aid_under_10m", "aid_10_30m", "aid_over_30m", "updated_at"]
    fieldsets = [
        (None, {"fields": ["network"]}),
        ("Coûts unitaires", {"fields": ["base_connection", "trench_per_m", "conduit_per_m", "aerial_per_m",
                                        "facade_per_m", "new_pole", "chamber", "vertical_cabling_per_housing"]}),
        ("Aide de l'État 2025 (domaine privé)", {"fields": ["aid_under_10m", "aid_10_30m", "aid_over_30m"]}),
    ]


class ComplexConnectionNoteInline(admin.TabularInline):
    model = ComplexConnectionNote
    extra = 0
    readonly_fields = ["author", "organisation", "created_at"]


class ComplexConnectionAttachmentInline(admin.TabularInline):
    model = ComplexConnectionAttachment
    extra = 0
    readonly_fields = ["filename", "content_type", "size", "uploaded_by", "organisation", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the API, which checks type and size


@admin.register(ComplexConnection)
class ComplexConnectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "network", "status", "rules", "estimated_cost", "aid", "remaining_charge",
                    "priority_score", "assigned_organisation"]
    list_filter = ["network", "status"]
    search_fields = ["premises__code", "explanation"]
    list_select_related = ["network", "premises", "assigned_organisation"]
    raw_id_fields = ["premises"]
    readonly_fields = ["network", "premises", "rules", "findings", "explanation", "inputs", "cost_breakdown",
                       "estimated_cost", "aid", "remaining_charge", "priority_score", "status", "abandon_reason",
                       "detected_at", "last_detection_at", "status_changed_at", "updated_at"]
    inlines = [ComplexConnectionNoteInline, ComplexConnectionAttachmentInline]

    def save_model(self, request, obj, form, change):
        """Edits go through the workflow service: re-pricing on hard surface, audit row."""
        from .services.complex_connections.workflow import update_case

        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in ("hard_surface", "assigned_organisation")}
        if changes:
            update_case(obj, actor=request.user, **changes)
        elif not change:
            super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False  # cases come from `detect_complex_connections`; status moves through the API workflow
# --- end complex connections ---------------------------------------------------------------------


# --- GraceTHD control severities per network (issue 16) -----------------------------------------
from django import forms  # noqa: E402

from .models import QualityRuleSeverity  # noqa: E402
from .services.gracethd.quality import RULES  # noqa: E402


class QualityRuleSeverityForm(forms.ModelForm):
    rule = forms.ChoiceField(choices=[(r.id, f"{r.id} ({r.severity}) — {r.description}") for r in RULES.values()])

    class Meta:
        model = QualityRuleSeverity
        fields = ["network", "rule", "severity"]


@admin.register(QualityRuleSeverity)
class QualityRuleSeverityAdmin(admin.ModelAdmin):
    form = QualityRuleSeverityForm
    list_display = ("network", "rule", "severity")
    list_filter = ("severity", "network")
