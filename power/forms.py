from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OverrideState, PowerSupply


class SupplyForm(forms.ModelForm):
    """Édition de l'alimentation d'un site actif (mêmes champs que l'API PATCH)."""

    class Meta:
        model = PowerSupply
        fields = ["delivery_point", "battery_hours", "battery_tested_on", "generator", "fuel_hours",
                  "mobile_connectable", "mobile_generator", "comment"]
        widgets = {"battery_tested_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, network=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import MobileGenerator

        self.fields["mobile_generator"].queryset = MobileGenerator.objects.filter(network=network)
        self.fields["battery_hours"].min_value = 0
        self.fields["battery_hours"].widget.attrs.update(min="0", step="0.5")
        self.fields["fuel_hours"].widget.attrs.update(min="0", step="0.5")

    def clean_battery_hours(self):
        value = self.cleaned_data["battery_hours"]
        if value is None or value < 0:
            raise forms.ValidationError(_("Autonomie positive ou nulle."))
        return value


class DeclareForm(forms.Form):
    state = forms.ChoiceField(label=_("État constaté"), choices=OverrideState.choices)
    comment = forms.CharField(label=_("Commentaire"), max_length=500, required=False)


class OutageUploadForm(forms.Form):
    file = forms.FileField(label=_("Fichier CSV des coupures"),
                           help_text=_("Colonnes : communes, start, expected_end, ended_at, source, reference (docs/power.md)."))


class SupplyUploadForm(forms.Form):
    file = forms.FileField(label=_("Fichier CSV des alimentations"),
                           help_text=_("Colonnes : site_code, battery_hours, generator, fuel_hours… (docs/power.md)."))
