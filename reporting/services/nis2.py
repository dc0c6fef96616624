"""NIS2 incident notification drafts (*notifications d'incident important*, art. 23 of directive
(EU) 2022/2555, transposed in France by the loi relative à la résilience des infrastructures
critiques; the CSIRT is CERT-FR / ANSSI).

Deadlines, counted from the crisis's `awareness_time` (*prise de connaissance*):
- early warning (*alerte précoce*): within 24 h — suspected malicious act? possible cross-border impact?
- incident notification (*notification d'incident*): within 72 h — updates the early warning, initial
  assessment with severity and impact, indicators of compromise where available;
- final report (*rapport final*): within one month of the incident notification (art. 23(4)(d)):
  its sending time when sent, otherwise its deadline — detailed description, severity and impact,
  type of threat or root cause, mitigation applied and ongoing, cross-border impact.
The national transposition also asks the users affected and the duration. Every field is
prefilled from the crisis (networks, cut figures, alerts, crisis log) and whatever the crisis cell
wrote (`Nis2Draft.fields`) overrides the prefill. Sending stays manual: the export is what is filed.
"""
import calendar
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import record
from core.models import AuditEvent

from ..models import Nis2Draft, Nis2Stage

STAGES = [Nis2Stage.EARLY_WARNING, Nis2Stage.NOTIFICATION, Nis2Stage.FINAL_REPORT]

# (field, label, kind) — kind: "text", "bool", "int", "datetime"
COMMON = [
    ("entity", gettext_lazy("Entité déclarante"), "text"),
    ("incident_title", gettext_lazy("Intitulé de l'incident"), "text"),
    ("awareness_time", gettext_lazy("Prise de connaissance"), "datetime"),
    ("incident_start", gettext_lazy("Début de l'incident"), "datetime"),
    ("services_affected", gettext_lazy("Services touchés"), "text"),
    ("suspected_malicious", gettext_lazy("Acte illicite ou malveillant suspecté"), "bool"),
    ("cross_border_impact", gettext_lazy("Impact transfrontière possible"), "bool"),
    ("initial_assessment", gettext_lazy("Évaluation initiale"), "text"),
    ("users_affected", gettext_lazy("Utilisateurs touchés (locaux)"), "int"),
    ("duration_hours", gettext_lazy("Durée (heures)"), "int"),
    ("contact", gettext_lazy("Contact"), "text"),
]
NOTIFICATION = [
    ("severity", gettext_lazy("Gravité"), "text"),
    ("impact", gettext_lazy("Impact"), "text"),
    ("indicators_of_compromise", gettext_lazy("Indicateurs de compromission"), "text"),
    ("suspected_cause", gettext_lazy("Cause suspectée"), "text"),
    ("mitigation", gettext_lazy("Mesures d'atténuation"), "text"),
]
FINAL = [
    ("description", gettext_lazy("Description détaillée"), "text"),
    ("root_cause", gettext_lazy("Type de menace ou cause profonde"), "text"),
    ("mitigation_ongoing", gettext_lazy("Mesures d'atténuation en cours"), "text"),
]
FIELDS = {
    Nis2Stage.EARLY_WARNING: COMMON,
    Nis2Stage.NOTIFICATION: COMMON + NOTIFICATION,
    Nis2Stage.FINAL_REPORT: COMMON + NOTIFICATION + FINAL,
}


def add_month(when):
    """Same day next month (the last day when the next month is shorter)."""
    year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def deadlines(crisis, drafts=None) -> dict:
    """{stage: due datetime} (None when the crisis is not a significant incident)."""
    if not (crisis.significant and crisis.awareness_time):
        return {stage: None for stage in STAGES}
    drafts = drafts if drafts is not None else _drafts(crisis)
    aware = crisis.awareness_time
    notification_due = aware + timedelta(hours=72)
    sent = drafts.get(Nis2Stage.NOTIFICATION)
    return {
        Nis2Stage.EARLY_WARNING: aware + timedelta(hours=24),
        Nis2Stage.NOTIFICATION: notification_due,
        Nis2Stage.FINAL_REPORT: add_month(sent.sent_at if sent and sent.sent_at else notification_due),
    }


def state_of(due, sent_at, now) -> str:
    """"sent", "overdue", "due_in" or "not_applicable"."""
    if sent_at:
        return "sent"
    if due is None:
        return "not_applicable"
    return "overdue" if now > due else "due_in"


def _drafts(crisis) -> dict:
    return {d.stage: d for d in Nis2Draft.objects.filter(crisis=crisis)}


def prefill(crisis, now=None) -> dict:
    """Every field's value drawn from the crisis data."""
    from .crisis_figures import cut_figures
    from incidents.models import CrisisLogEntry, LogEntryKind, TroubleTicket
    from incidents.services.crisis import crisis_organisation_ids
    from organisations.models import Organisation
    from resilience.models import Alert

    from .figures import alerts_in_force

    now = now or timezone.now()
    networks = list(crisis.networks.select_related("owner", "operator").order_by("name"))
    network_ids = [n.pk for n in networks]
    cut = cut_figures(TroubleTicket.objects.filter(network_id__in=network_ids))
    end = crisis.closed_at or now
    alerts = alerts_in_force(crisis, network_ids, now)
    if not alerts and crisis.alert_ids:
        linked = Alert.objects.filter(pk__in=[int(a) for a in crisis.alert_ids if str(a).isdigit()])
        alerts = [{"hazard_label": str(a.get_hazard_display()), "level_label": str(a.get_level_display())} for a in linked]
    hazards = sorted({f'{a["hazard_label"]} ({a["level_label"]})' for a in alerts})
    owners = [n.owner.name for n in networks if n.owner_id]
    entity = ", ".join(dict.fromkeys(owners)) or ", ".join(
        Organisation.objects.filter(pk__in=crisis_organisation_ids(crisis)).order_by("name").values_list("name", flat=True))
    actions = list(CrisisLogEntry.objects.filter(crisis=crisis, kind__in=[LogEntryKind.ACTION, LogEntryKind.DECISION])
                   .order_by("created_at").values_list("text", flat=True)[:20])
    communes = len(cut.by_commune)
    cause = (_("Événement naturel : %(h)s") % {"h": ", ".join(hazards)}) if hazards else _("À préciser")
    assessment = _(
        "%(name)s : %(cut)d locaux privés de service très haut débit dans %(communes)d commune(s) sur %(networks)s."
    ) % {"name": crisis.name, "cut": cut.premises, "communes": communes,
         "networks": ", ".join(n.name for n in networks) or "—"}
    return {
        "entity": entity,
        "incident_title": crisis.name,
        "awareness_time": crisis.awareness_time.isoformat() if crisis.awareness_time else None,
        "incident_start": crisis.opened_at.isoformat(),
        "services_affected": _("Accès à internet très haut débit (FTTH) : %(n)s") % {"n": ", ".join(n.name for n in networks) or "—"},
        "suspected_malicious": False,
        "cross_border_impact": False,
        "initial_assessment": assessment,
        "users_affected": cut.premises,
        "duration_hours": int((end - crisis.opened_at).total_seconds() // 3600),
        "contact": "",
        "severity": str(crisis.get_level_display()),
        "impact": assessment,
        "indicators_of_compromise": "",
        "suspected_cause": cause,
        "mitigation": "\n".join(actions),
        "description": assessment,
        "root_cause": cause,
        "mitigation_ongoing": "",
    }


def nis2_document(crisis, now=None) -> dict:
    """What `GET /api/v1/crises/<id>/nis2/` answers: per stage `due`, `state`, `sent_at`, `fields`."""
    now = now or timezone.now()
    drafts = _drafts(crisis)
    dues = deadlines(crisis, drafts)
    base = prefill(crisis, now)
    out = {"crisis": crisis.pk, "significant": crisis.significant,
           "awareness_time": crisis.awareness_time.isoformat() if crisis.awareness_time else None}
    for stage in STAGES:
        draft = drafts.get(stage)
        saved = draft.fields if draft else {}
        fields = {name: saved.get(name, base.get(name)) for name, _label, _kind in FIELDS[stage]}
        due = dues[stage]
        out[stage.value] = {
            "stage": stage.value, "label": str(stage.label), "due": due.isoformat() if due else None,
            "state": state_of(due, draft.sent_at if draft else None, now),
            "sent_at": draft.sent_at.isoformat() if draft and draft.sent_at else None,
            "edited": sorted(saved), "fields": fields,
        }
    return out


def field_specs(stage) -> list[tuple]:
    return FIELDS[Nis2Stage(stage)]


def clean_fields(stage, values: dict) -> tuple[dict, dict]:
    """(cleaned values, errors {field: reason}) for a stage's fields; unknown fields are refused."""
    specs = {name: kind for name, _label, kind in field_specs(stage)}
    cleaned, errors = {}, {}
    for name, value in (values or {}).items():
        kind = specs.get(name)
        if kind is None:
            errors[name] = _("champ inconnu pour cette étape")
        elif kind == "bool":
            if not isinstance(value, bool):
                errors[name] = _("vrai ou faux attendu")
            else:
                cleaned[name] = value
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors[name] = _("entier positif attendu")
            else:
                cleaned[name] = value
        else:
            if value is not None and not isinstance(value, str):
                errors[name] = _("texte attendu")
            elif value is not None and len(value) > 10000:
                errors[name] = _("texte trop long (10 000 caractères au plus)")
            else:
                cleaned[name] = value
    return cleaned, errors


def save_draft(crisis, stage, values: dict, *, sent=None, actor=None, organisation=None) -> Nis2Draft:
    """Keep the fields written by the crisis cell (merged over earlier ones); `sent=True` marks the
    report as filed now, `sent=False` clears it. Audited. Raises ValueError(errors) on bad fields."""
    cleaned, errors = clean_fields(stage, values)
    if errors:
        raise ValueError(errors)
    with transaction.atomic():
        draft, created = Nis2Draft.objects.select_for_update().get_or_create(crisis=crisis, stage=stage)
        before = None if created else {"fields": dict(draft.fields), "sent_at": draft.sent_at.isoformat() if draft.sent_at else None}
        draft.fields = {**draft.fields, **cleaned}
        if sent is True and draft.sent_at is None:
            draft.sent_at = timezone.now()
        elif sent is False:
            draft.sent_at = None
        draft.updated_by = actor if getattr(actor, "pk", None) else None
        draft.save()
        record(draft, AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE, actor=actor,
               organisation=organisation, before=before,
               after={"fields": draft.fields, "sent_at": draft.sent_at.isoformat() if draft.sent_at else None})
    return draft


def stage_pdf(crisis, stage, base_url="/") -> bytes:
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML

    doc = nis2_document(crisis)
    part = doc[Nis2Stage(stage).value]
    labels = {name: (label, kind) for name, label, kind in field_specs(stage)}
    with translation.override("fr"):
        rows = [(str(labels[name][0]), value, labels[name][1]) for name, value in part["fields"].items()]
        html = render_to_string("reporting/nis2_pdf.html", {"crisis": crisis, "part": part, "rows": rows, "doc": doc})
    return HTML(string=html, base_url=base_url).write_pdf()
