"""Forms of the crisis-cell pages. They check the shape of the input; the rules (codes known in the
network, lifecycle, alert geometry) are the services' and come back as field errors."""
from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import DamagedAsset, LogEntryKind, TicketSeverity, TicketStatus, TicketType
from resilience.models import Hazard, Level


class TicketCreateForm(forms.Form):
    """Déclaration d'un dommage : un ticket sur un équipement du réseau."""

    network = forms.ChoiceField(label=_("Réseau"))
    asset_type = forms.ChoiceField(label=_("Type d'équipement endommagé"), choices=DamagedAsset.ReferredType.choices)
    asset_code = forms.CharField(label=_("Code GraceTHD de l'équipement"), max_length=254)
    severity = forms.ChoiceField(label=_("Gravité"), choices=TicketSeverity.choices, initial=TicketSeverity.MAJOR)
    ticket_type = forms.ChoiceField(label=_("Type de ticket"), choices=TicketType.choices, initial=TicketType.INCIDENT)
    name = forms.CharField(label=_("Titre"), max_length=200, required=False)
    description = forms.CharField(label=_("Description du dommage"), widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("Note (facultative)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, networks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = [(n.slug, n.name) for n in networks]


class TicketFilterForm(forms.Form):
    status = forms.MultipleChoiceField(label=_("Statut"), choices=TicketStatus.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    severity = forms.ChoiceField(label=_("Gravité"), choices=[("", _("Toutes"))] + TicketSeverity.choices, required=False)
    network = forms.ChoiceField(label=_("Réseau"), required=False)

    def __init__(self, *args, networks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = [("", _("Tous"))] + [(n.slug, n.name) for n in networks]


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=TicketStatus.choices)
    reason = forms.CharField(label=_("Motif"), max_length=1000, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("Photo (JPEG, PNG ou WebP)"))
    description = forms.CharField(label=_("Légende"), max_length=500, required=False)


class ManualAlertForm(forms.Form):
    """Alerte manuelle dessinée sur la carte (envoyée comme une Feature GeoJSON à l'ingestion)."""

    network = forms.ChoiceField(label=_("Réseau concerné"))
    hazard = forms.ChoiceField(label=_("Aléa"), choices=Hazard.choices)
    level = forms.TypedChoiceField(label=_("Niveau"), choices=Level.choices, coerce=int, initial=Level.ORANGE)
    headline = forms.CharField(label=_("Titre"), max_length=500, required=False)
    onset = forms.DateTimeField(label=_("Début"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    expires = forms.DateTimeField(label=_("Fin de validité"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    geometry = forms.CharField(label=_("Zone dessinée"), widget=forms.HiddenInput, required=False)

    def __init__(self, *args, networks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = [(n.slug, n.name) for n in networks]


class LogEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature"), choices=LogEntryKind.choices, initial=LogEntryKind.INFORMATION)
    text = forms.CharField(label=_("Texte"), max_length=2000)
    corrects = forms.IntegerField(required=False, widget=forms.HiddenInput)
