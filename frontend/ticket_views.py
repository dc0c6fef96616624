"""Trouble-ticket pages (*tickets d'incident*): list with filters, declaration of a damage, detail
with transitions, notes, photos and GTR timers. Every change goes through incidents.services, so
lifecycle rules, audit rows and outbox events are those of the TMF621 API."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from incidents.api.tmf_views import make_actor
from incidents.models import DamagedAsset, TicketStatus, TroubleTicket
from incidents.services import representation
from incidents.services.attachments import AttachmentRefused, check_photo
from incidents.services.lifecycle import ALLOWED_TRANSITIONS
from incidents.services.sla import timers
from incidents.services.tickets import TicketInputError, add_attachment, create_ticket, patch_ticket
from organisations.permissions import WRITE, acting_organisation, may_write, network_organisations

from django.utils import timezone

from .forms import NoteForm, PhotoForm, TicketCreateForm, TicketFilterForm, TransitionForm
from .services.access import crisis_cell_page
from incidents.services.sla import sla_state
from reporting.services.crisis_figures import cut_figures
from .services.networks import visible_networks


def writable_networks(principal):
    """Networks where the principal may write tickets (a write role in the owner or operator)."""
    networks = list(visible_networks(principal))
    if principal.is_superuser:
        return networks
    return [n for n in networks if may_write(principal, network_organisations(n))]


@crisis_cell_page
def ticket_list(request):
    principal = request.vigie
    networks = list(visible_networks(principal))
    form = TicketFilterForm(request.GET or None, networks=networks)
    tickets = TroubleTicket.objects.restrict(principal).select_related("network")
    if form.is_valid():
        if form.cleaned_data["status"]:
            tickets = tickets.filter(status__in=form.cleaned_data["status"])
        if form.cleaned_data["severity"]:
            tickets = tickets.filter(severity=form.cleaned_data["severity"])
        if form.cleaned_data["network"]:
            tickets = tickets.filter(network__slug=form.cleaned_data["network"])
    page = Paginator(tickets.order_by("-creation_date", "-id"), 50).get_page(request.GET.get("page"))
    rows = [(t, sla_state(t.severity, t.status, t.creation_date, t.acknowledged_at, t.resolution_date,
                          t.status_change_date, now=_now())) for t in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "frontend/tickets/list.html", {
        "form": form, "page": page, "rows": rows, "query": query.urlencode(),
        "can_create": bool(writable_networks(principal)),
    })


def _now():
    return timezone.now()


@crisis_cell_page
def ticket_create(request):
    principal = request.vigie
    networks = writable_networks(principal)
    if not networks:
        raise PermissionDenied(_("Votre rôle ne permet que la lecture des tickets."))
    if request.method == "POST":
        form = TicketCreateForm(request.POST, networks=networks)
    else:
        initial = {"network": request.GET.get("network") or networks[0].slug}
        if request.GET.get("type") in DamagedAsset.ReferredType.values:
            initial["asset_type"] = request.GET["type"]
        if request.GET.get("code"):
            initial["asset_code"] = request.GET["code"][:254]
        form = TicketCreateForm(initial=initial, networks=networks)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        network = next(n for n in networks if n.slug == data["network"])
        org_id = acting_organisation(principal, WRITE, network_organisations(network))
        actor = make_actor(request, org_id)
        values = {"description": data["description"], "severity": data["severity"],
                  "ticket_type": data["ticket_type"], "name": data["name"]}
        entities = [{"id": data["asset_code"].strip(), "@referredType": data["asset_type"], "role": "damaged"}]
        notes = [{"text": data["note"]}] if data["note"].strip() else []
        try:
            ticket = create_ticket(network, values, entities, notes, actor)
        except TicketInputError as exc:
            for error in exc.errors:
                field = "asset_code" if error["path"].startswith("relatedEntity") else None
                form.add_error(field, _("Équipement inconnu dans ce réseau : %(reason)s") % {"reason": error["reason"]}
                               if field else error["reason"])
        else:
            messages.success(request, _("Ticket n° %(id)s créé.") % {"id": ticket.pk})
            return redirect("ticket-detail", pk=ticket.pk)
    return render(request, "frontend/tickets/create.html", {"form": form})


def _ticket_or_404(principal, pk):
    return get_object_or_404(representation.with_details(TroubleTicket.objects.restrict(principal)), pk=pk)


@crisis_cell_page
def ticket_detail(request, pk):
    principal = request.vigie
    ticket = _ticket_or_404(principal, pk)
    org_id = acting_organisation(principal, WRITE, network_organisations(ticket.network))
    writable = may_write(principal, network_organisations(ticket.network))
    note_form, photo_form, transition_error = NoteForm(), PhotoForm(), None
    if request.method == "POST":
        if not writable:
            raise PermissionDenied(_("Votre rôle ne permet que la lecture des tickets."))
        actor = make_actor(request, org_id)
        action = request.POST.get("action")
        try:
            if action == "transition":
                form = TransitionForm(request.POST)
                if form.is_valid():
                    patch = {"status": form.cleaned_data["status"]}
                    if form.cleaned_data["reason"]:
                        patch["statusChangeReason"] = form.cleaned_data["reason"]
                    patch_ticket(ticket.pk, patch, actor)
                    messages.success(request, _("Statut changé : %(s)s.") % {"s": TicketStatus(form.cleaned_data["status"]).label})
                    return redirect("ticket-detail", pk=ticket.pk)
                transition_error = _("Statut inconnu.")
            elif action == "note":
                note_form = NoteForm(request.POST)
                if note_form.is_valid():
                    patch_ticket(ticket.pk, {"note": [{"text": note_form.cleaned_data["text"]}]}, actor)
                    messages.success(request, _("Note ajoutée."))
                    return redirect("ticket-detail", pk=ticket.pk)
            elif action == "photo":
                photo_form = PhotoForm(request.POST, request.FILES)
                if photo_form.is_valid():
                    uploaded = photo_form.cleaned_data["file"]
                    try:
                        mime_type = check_photo(uploaded)
                    except AttachmentRefused as exc:
                        photo_form.add_error("file", _("Photo refusée : %(r)s") % {"r": exc})
                    else:
                        add_attachment(ticket.pk, uploaded, mime_type, photo_form.cleaned_data["description"], actor)
                        messages.success(request, _("Photo ajoutée."))
                        return redirect("ticket-detail", pk=ticket.pk)
        except TicketInputError as exc:
            transition_error = "; ".join(e["reason"] for e in exc.errors)
        ticket = _ticket_or_404(principal, pk)
    sla = timers(ticket)
    cut = cut_figures(TroubleTicket.objects.filter(pk=ticket.pk))
    photos = [(a, reverse("tmf621-troubleticket-attachment-content", args=[ticket.pk, a.pk])) for a in ticket.attachments.all()]
    allowed = ALLOWED_TRANSITIONS[ticket.status]
    transitions = [(s, label) for s, label in TicketStatus.choices if s in allowed]  # lifecycle order
    return render(request, "frontend/tickets/detail.html", {
        "ticket": ticket, "sla": sla, "cut": cut, "photos": photos, "transitions": transitions,
        "writable": writable, "note_form": note_form, "photo_form": photo_form, "transition_error": transition_error,
        "status_code": ticket.status,
    }, status=400 if transition_error or note_form.errors or photo_form.errors else 200)
