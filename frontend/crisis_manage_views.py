"""Crisis-cell management pages: open, update and close a crisis; its situation reports (on demand
and on a schedule) and its NIS2 drafts. Thin: every change goes through
incidents.services.crisis (audit, crisis.opened / crisis.closed events) and reporting.services
(audit, crisis.sitrep_published), as the API does."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Crisis
from incidents.services.crisis import close_crisis, crisis_organisation_ids, first_writable_organisation, open_crisis, update_crisis
from network.models import Network
from organisations.models import Organisation
from reporting.models import Nis2Stage, SitRepSchedule, SituationReport
from reporting.services import nis2
from reporting.services.sitreps import publish_sitrep, set_schedule
from resilience.models import Alert

from .manage_forms import CrisisForm, SitRepScheduleForm, nis2_form_class
from organisations.permissions import may_write

from .services.access import crisis_cell_page
from .services.networks import visible_networks


def _choices(principal, crisis=None):
    networks = list(visible_networks(principal))
    organisations = Organisation.objects.restrict(principal)
    if crisis is not None:
        networks += [n for n in crisis.networks.all() if n not in networks]
        organisations = organisations | Organisation.objects.filter(pk__in=crisis.organisations.values("pk"))
    alerts = Alert.objects.restrict(principal).active().order_by("-level", "hazard", "pk")
    alert_choices = [(str(a.pk), f"{a.get_hazard_display()} — {a.get_level_display()}" + (f" — {a.headline[:60]}" if a.headline else ""))
                     for a in alerts[:200]]
    if crisis is not None:
        known = {c for c, _label in alert_choices}
        alert_choices += [(str(a), _("Alerte n° %(id)s (terminée)") % {"id": a}) for a in crisis.alert_ids or [] if str(a) not in known]
    return {"networks": networks, "organisations": list(organisations.distinct().order_by("name")), "alerts": alert_choices}


def _crisis_changes(form) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"], "level": data["level"],
        "networks": list(Network.objects.filter(slug__in=data["networks"])),
        "organisations": list(Organisation.objects.filter(slug__in=data["organisations"])),
        "alert_ids": list(data["alert_ids"]), "significant": data["significant"],
        "awareness_time": data["awareness_time"],
    }


def with_local_due(parts) -> list[dict]:
    """The NIS2 stages with their `due` as a datetime (`due_local`) for the templates."""
    from datetime import datetime

    return [{**p, "due_local": datetime.fromisoformat(p["due"]) if p["due"] else None} for p in parts]


def nis2_deadlines_of(crisis) -> list[dict] | None:
    """The three NIS2 deadlines of a significant crisis (None otherwise), without the prefill."""
    if not (crisis.significant and crisis.awareness_time):
        return None
    from reporting.models import Nis2Draft

    drafts = {d.stage: d for d in Nis2Draft.objects.filter(crisis=crisis)}
    now = timezone.now()
    return with_local_due(
        {"stage": stage.value, "label": str(stage.label), "due": due.isoformat(),
         "state": nis2.state_of(due, drafts[stage].sent_at if stage in drafts else None, now),
         "sent_at": drafts[stage].sent_at.isoformat() if stage in drafts and drafts[stage].sent_at else None}
        for stage, due in nis2.deadlines(crisis, drafts).items())


@crisis_cell_page
def crisis_list(request):
    principal = request.vigie
    crises = list(Crisis.objects.restrict(principal).prefetch_related("networks").order_by("closed_at", "-opened_at", "-id"))
    return render(request, "frontend/crisis/list.html", {"crises": crises, "can_write": may_write(principal)})


@crisis_cell_page
def crisis_create(request):
    principal = request.vigie
    if not may_write(principal):
        raise PermissionDenied(_("Votre rôle ne permet pas d'ouvrir une crise."))
    choices = _choices(principal)
    form = CrisisForm(request.POST or None, **choices)
    if request.method == "POST" and form.is_valid():
        changes = _crisis_changes(form)
        crisis = open_crisis(principal, request.user, networks=changes.pop("networks"),
                             organisations=changes.pop("organisations"), **changes)
        messages.success(request, _("Crise ouverte : %(name)s.") % {"name": crisis.name})
        return redirect("crisis-detail", pk=crisis.pk)
    return render(request, "frontend/crisis/form.html", {"form": form, "crisis": None},
                  status=400 if form.errors else 200)


def _scoped(request, pk):
    return get_object_or_404(Crisis.objects.restrict(request.vigie).prefetch_related("networks", "organisations"), pk=pk)


@crisis_cell_page
def crisis_detail(request, pk):
    """The crisis: its settings (editable), close/reopen, its situation reports and NIS2 deadlines."""
    principal = request.vigie
    crisis = _scoped(request, pk)
    organisation = first_writable_organisation(principal, crisis_organisation_ids(crisis))
    writable = organisation is not None
    schedule = SitRepSchedule.objects.filter(crisis=crisis).first()
    initial = {"name": crisis.name, "level": crisis.level, "networks": [n.slug for n in crisis.networks.all()],
               "organisations": [o.slug for o in crisis.organisations.all()], "alert_ids": [str(a) for a in crisis.alert_ids or []],
               "significant": crisis.significant,
               "awareness_time": timezone.localtime(crisis.awareness_time) if crisis.awareness_time else None}
    form = CrisisForm(initial=initial, **_choices(principal, crisis))
    schedule_form = SitRepScheduleForm(initial={
        "enabled": schedule.enabled, "interval_hours": schedule.interval_hours, "send_email": schedule.send_email,
        "recipients": schedule.recipients} if schedule else None)
    status = 200
    if request.method == "POST":
        if not writable:
            raise PermissionDenied(_("Votre rôle ne permet que la lecture."))
        action = request.POST.get("action")
        if action == "update":
            form = CrisisForm(request.POST, **_choices(principal, crisis))
            if form.is_valid():
                update_crisis(crisis, principal, request.user, **_crisis_changes(form))
                messages.success(request, _("Crise mise à jour."))
                return redirect("crisis-detail", pk=crisis.pk)
            status = 400
        elif action == "close":
            if crisis.closed_at is None:
                close_crisis(crisis, principal, request.user)
                messages.success(request, _("Crise close."))
            return redirect("crisis-detail", pk=crisis.pk)
        elif action == "reopen":
            if crisis.closed_at is not None:
                update_crisis(crisis, principal, request.user, closed_at=None)
                messages.success(request, _("Crise rouverte."))
            return redirect("crisis-detail", pk=crisis.pk)
        elif action == "sitrep":
            report = publish_sitrep(crisis, actor=request.user, organisation=organisation)
            messages.success(request, _("Point de situation n° %(n)d publié.") % {"n": report.number})
            return redirect("crisis-detail", pk=crisis.pk)
        elif action == "schedule":
            schedule_form = SitRepScheduleForm(request.POST)
            if schedule_form.is_valid():
                set_schedule(crisis, actor=request.user, organisation=organisation, **schedule_form.cleaned_data)
                messages.success(request, _("Programmation des points de situation enregistrée."))
                return redirect("crisis-detail", pk=crisis.pk)
            status = 400
        else:
            status = 400
    reports = list(SituationReport.objects.filter(crisis=crisis).order_by("-number")[:50])
    doc = nis2.nis2_document(crisis) if crisis.significant else None
    return render(request, "frontend/crisis/detail.html", {
        "crisis": crisis, "form": form, "schedule": schedule, "schedule_form": schedule_form, "reports": reports,
        "can_write": writable, "nis2": with_local_due(doc[s.value] for s in nis2.STAGES) if doc else None,
    }, status=status)


@crisis_cell_page
def nis2_stage(request, pk, stage):
    """Edit one NIS2 draft (prefilled from the crisis) and export it (PDF / JSON through the API)."""
    principal = request.vigie
    crisis = _scoped(request, pk)
    if stage not in Nis2Stage.values:
        raise Http404("unknown stage")
    organisation = first_writable_organisation(principal, crisis_organisation_ids(crisis))
    specs = nis2.field_specs(stage)
    form_class = nis2_form_class(specs)
    part = nis2.nis2_document(crisis)[stage]
    form = form_class(initial={**part["fields"], "sent": part["state"] == "sent"})
    if request.method == "POST":
        if organisation is None:
            raise PermissionDenied(_("Votre rôle ne permet que la lecture."))
        form = form_class(request.POST, initial={**part["fields"], "sent": part["state"] == "sent"})
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name, _label, kind in specs
                      if kind != "datetime" and name in form.changed_data}
            values = {k: ("" if v is None and k not in ("users_affected", "duration_hours") else v) for k, v in values.items()
                      if v is not None or k not in ("users_affected", "duration_hours")}
            try:
                nis2.save_draft(crisis, stage, values, sent=form.cleaned_data["sent"], actor=request.user,
                                organisation=organisation)
            except ValueError as exc:
                for name, reason in exc.args[0].items():
                    form.add_error(name if name in form.fields else None, reason)
            else:
                messages.success(request, _("Brouillon NIS2 enregistré."))
                return redirect("crisis-nis2", pk=crisis.pk, stage=stage)
    return render(request, "frontend/crisis/nis2.html", {
        "crisis": crisis, "part": part, "form": form, "can_write": organisation is not None, "stage": stage,
    }, status=400 if form.errors else 200)
