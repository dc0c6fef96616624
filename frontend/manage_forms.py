"""Forms of the crisis-cell management pages (crises, contacts and on-call periods, webhook
subscriptions, situation-report schedules, NIS2 drafts). They check the shape of the input; the
rules stay in the services (incidents, webhooks, reporting) and come back as field errors."""
from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import CrisisLevel

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CrisisForm(forms.Form):
    """Ouverture ou mise à jour d'une crise."""

    name = forms.CharField(label=_("Nom de la crise"), max_length=200)
    level = forms.ChoiceField(label=_("Niveau"), choices=CrisisLevel.choices, initial=CrisisLevel.ALERT)
    networks = forms.MultipleChoiceField(label=_("Réseaux concernés"), required=False, widget=forms.CheckboxSelectMultiple)
    organisations = forms.MultipleChoiceField(label=_("Organisations participantes"), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    alert_ids = forms.MultipleChoiceField(label=_("Alertes liées"), required=False, widget=forms.CheckboxSelectMultiple)
    significant = forms.BooleanField(label=_("Incident important au sens de NIS2"), required=False)
    awareness_time = forms.DateTimeField(label=_("Prise de connaissance (NIS2)"), required=False, widget=DATETIME_WIDGET)

    def __init__(self, *args, networks=(), organisations=(), alerts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["networks"].choices = [(n.slug, n.name) for n in networks]
        self.fields["organisations"].choices = [(o.slug, o.name) for o in organisations]
        self.fields["alert_ids"].choices = alerts

    def clean(self):
        data = super().clean()
        if data.get("significant") and not data.get("awareness_time"):
            self.add_error("awareness_time", _("Un incident important NIS2 a une heure de prise de connaissance."))
        return data


class ContactForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"))
    name = forms.CharField(label=_("Nom"), max_length=200)
    role = forms.CharField(label=_("Fonction"), max_length=200)
    commune = forms.CharField(label=_("Commune (code INSEE, facultatif)"), max_length=5, required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Courriel"), required=False)
    notes = forms.CharField(label=_("Remarques"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.slug, o.name) for o in organisations]

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email"):
            raise forms.ValidationError(_("Un téléphone ou un courriel est nécessaire."))
        return data


class OnCallPeriodForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Début de l'astreinte"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Fin de l'astreinte"), widget=DATETIME_WIDGET)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("La fin doit suivre le début."))
        return data


class SubscriptionForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation abonnée"))
    callback = forms.URLField(label=_("URL de rappel (HTTPS)"), max_length=2000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(label=_("Types d'événements (aucun : tous)"), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    query = forms.CharField(label=_("Filtre (query TMF, facultatif)"), max_length=1000, required=False)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)

    def __init__(self, *args, organisations=(), event_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.slug, o.name) for o in organisations]
        self.fields["event_types"].choices = event_types


class SitRepScheduleForm(forms.Form):
    enabled = forms.BooleanField(label=_("Points programmés actifs"), required=False, initial=True)
    interval_hours = forms.IntegerField(label=_("Toutes les (heures)"), min_value=1, max_value=168, initial=6)
    send_email = forms.BooleanField(label=_("Envoyer le PDF par courriel"), required=False)
    recipients = forms.CharField(label=_("Liste de diffusion (une adresse par ligne)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def clean_recipients(self):
        from django.core.validators import validate_email

        value = self.cleaned_data.get("recipients", "")
        for address in [a.strip() for a in value.replace(",", "\n").splitlines() if a.strip()]:
            try:
                validate_email(address)
            except forms.ValidationError:
                raise forms.ValidationError(_("Adresse invalide : %(a)s") % {"a": address}) from None
        return value


def nis2_form_class(specs):
    """A form for one NIS2 stage from its field specs (name, label, kind)."""
    fields = {}
    for name, label, kind in specs:
        if kind == "bool":
            fields[name] = forms.BooleanField(label=label, required=False)
        elif kind == "int":
            fields[name] = forms.IntegerField(label=label, min_value=0, required=False)
        elif kind == "datetime":
            fields[name] = forms.CharField(label=label, required=False, disabled=True)
        else:
            fields[name] = forms.CharField(label=label, required=False, max_length=10000,
                                           widget=forms.Textarea(attrs={"rows": 3}))
    fields["sent"] = forms.BooleanField(label=_("Transmis au CSIRT (envoi fait à la main)"), required=False)
    return type("Nis2StageForm", (forms.Form,), fields)
