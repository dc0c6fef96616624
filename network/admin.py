"""Admin of the network app: the GraceTHD control severities per network (issue 16; the rules and
their default severities are in network/services/gracethd/quality.py, docs/gracethd.md)."""
from django import forms
from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import QualityRuleSeverity
from .services.gracethd.quality import RULES


class QualityRuleSeverityForm(forms.ModelForm):
    rule = forms.ChoiceField(choices=[(r.id, f"{r.id} ({r.severity}) — {r.description}") for r in RULES.values()])

    class Meta:
        model = QualityRuleSeverity
        fields = ["network", "rule", "severity"]


@admin.register(QualityRuleSeverity)
class QualityRuleSeverityAdmin(AuditedModelAdmin):
    form = QualityRuleSeverityForm
    list_display = ("network", "rule", "severity")
    list_filter = ("severity", "network")
