"""Crisis cell pages: the crisis log (*main courante*) of the open crisis and the contacts directory
(*annuaire de crise*) with who is on call now (*astreinte*). Entries go through
incidents.services.crisis.append_log_entry (append-only, audited), as in the API."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Contact, Crisis, CrisisLogEntry, OnCallPeriod
from incidents.services.crisis import append_log_entry, crisis_organisation_ids, first_writable_organisation

from .forms import LogEntryForm
from .services.access import crisis_cell_page


@crisis_cell_page
def crisis_log(request):
    principal = request.vigie
    crises = list(Crisis.objects.restrict(principal).filter(closed_at__isnull=True).order_by("-opened_at", "-id"))
    crisis = None
    wanted = request.GET.get("crise") or request.POST.get("crise")
    if wanted:
        crisis = next((c for c in crises if str(c.pk) == wanted), None)
    crisis = crisis or (crises[0] if crises else None)
    form = LogEntryForm()
    organisation = first_writable_organisation(principal, crisis_organisation_ids(crisis)) if crisis else None
    if request.method == "POST":
        if crisis is None or organisation is None:
            raise PermissionDenied(_("Votre rôle ne permet pas d'écrire dans la main courante."))
        form = LogEntryForm(request.POST)
        if form.is_valid():
            corrects = None
            if form.cleaned_data["corrects"]:
                corrects = CrisisLogEntry.objects.filter(crisis=crisis, pk=form.cleaned_data["corrects"]).first()
                if corrects is None:
                    form.add_error(None, _("L'entrée corrigée n'appartient pas à cette crise."))
            if not form.errors:
                append_log_entry(crisis, author=request.user, organisation=organisation, kind=form.cleaned_data["kind"],
                                 text=form.cleaned_data["text"], corrects=corrects)
                messages.success(request, _("Entrée ajoutée à la main courante."))
                return redirect(f"{request.path}?crise={crisis.pk}")
    entries = []
    if crisis:
        entries = list(CrisisLogEntry.objects.filter(crisis=crisis).select_related("author", "organisation")
                       .order_by("-created_at", "-id"))
        corrected = {e.corrects_id for e in entries if e.corrects_id}
        for e in entries:
            e.is_corrected = e.pk in corrected
    return render(request, "frontend/crisis/log.html", {
        "crises": crises, "crisis": crisis, "entries": entries, "form": form, "can_write": organisation is not None,
    }, status=400 if form.errors else 200)


@crisis_cell_page
def contacts(request):
    principal = request.vigie
    now = timezone.now()
    current = OnCallPeriod.objects.filter(contact=OuterRef("pk"), starts_at__lte=now, ends_at__gt=now).order_by("-ends_at")
    rows = list(Contact.objects.restrict(principal).select_related("organisation", "commune")
                .annotate(on_call=Exists(current), on_call_until=Subquery(current.values("ends_at")[:1]))
                .order_by("-on_call", "organisation__name", "name"))
    return render(request, "frontend/crisis/contacts.html", {
        "rows": rows, "on_call": [c for c in rows if c.on_call], "now": now,
    })
