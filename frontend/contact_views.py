"""Editing the contacts directory (*annuaire de crise*) and on-call periods (*astreintes*) from the
crisis-cell pages. Each organisation writes its own contacts (as in the API: a write role in the
contact's organisation); every change is audited with before/after."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.audit import record, snapshot
from core.models import AuditEvent
from incidents.models import Contact, OnCallPeriod
from network.models import Commune
from organisations.models import Organisation
from organisations.permissions import may_write

from .manage_forms import ContactForm, OnCallPeriodForm
from .services.access import crisis_cell_page


def writable_organisations(principal):
    if principal.is_superuser:
        return Organisation.objects.order_by("name")
    return Organisation.objects.filter(
        pk__in=[o for o in principal.organisation_ids if may_write(principal, o)]).order_by("name")


def _apply(form, contact=None):
    """Contact fields from a valid form; None plus the error when the commune is unknown."""
    data = form.cleaned_data
    commune = None
    if data["commune"]:
        commune = Commune.objects.filter(insee=data["commune"]).first()
        if commune is None:
            form.add_error("commune", _("Commune inconnue."))
            return None
    return {"organisation": Organisation.objects.get(slug=data["organisation"]), "name": data["name"], "role": data["role"],
            "commune": commune, "phone": data["phone"], "email": data["email"], "notes": data["notes"]}


@crisis_cell_page
def contact_create(request):
    principal = request.vigie
    organisations = list(writable_organisations(principal))
    if not organisations:
        raise PermissionDenied(_("Votre rôle ne permet pas de modifier l'annuaire."))
    form = ContactForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        values = _apply(form)
        if values is not None:
            with transaction.atomic():
                contact = Contact.objects.create(**values)
                record(contact, AuditEvent.Action.CREATE, actor=request.user, organisation=contact.organisation)
            messages.success(request, _("Contact ajouté."))
            return redirect("contact-edit", pk=contact.pk)
    return render(request, "frontend/crisis/contact_form.html", {"form": form, "contact": None},
                  status=400 if form.errors else 200)


@crisis_cell_page
def contact_edit(request, pk):
    """Change or delete a contact; add or remove its on-call periods."""
    principal = request.vigie
    contact = get_object_or_404(Contact.objects.restrict(principal).select_related("organisation", "commune"), pk=pk)
    organisations = list(writable_organisations(principal))
    writable = may_write(principal, contact.organisation_id)
    initial = {"organisation": contact.organisation.slug, "name": contact.name, "role": contact.role,
               "commune": contact.commune_id or "", "phone": contact.phone, "email": contact.email, "notes": contact.notes}
    form = ContactForm(initial=initial, organisations=organisations or [contact.organisation])
    period_form = OnCallPeriodForm()
    if request.method == "POST":
        if not writable:
            raise PermissionDenied(_("Seule l'organisation du contact peut modifier son annuaire."))
        action = request.POST.get("action")
        if action == "update":
            form = ContactForm(request.POST, organisations=organisations)
            if form.is_valid():
                values = _apply(form)
                if values is not None:
                    before = snapshot(contact)
                    with transaction.atomic():
                        for name, value in values.items():
                            setattr(contact, name, value)
                        contact.save()
                        record(contact, AuditEvent.Action.UPDATE, actor=request.user, organisation=contact.organisation,
                               before=before)
                    messages.success(request, _("Contact modifié."))
                    return redirect("contact-edit", pk=contact.pk)
        elif action == "delete":
            with transaction.atomic():
                record(contact, AuditEvent.Action.DELETE, actor=request.user, organisation=contact.organisation,
                       before=snapshot(contact))
                contact.delete()
            messages.success(request, _("Contact supprimé."))
            return redirect("contacts")
        elif action == "add-period":
            period_form = OnCallPeriodForm(request.POST)
            if period_form.is_valid():
                with transaction.atomic():
                    period = OnCallPeriod.objects.create(contact=contact, **period_form.cleaned_data)
                    record(period, AuditEvent.Action.CREATE, actor=request.user, organisation=contact.organisation)
                messages.success(request, _("Astreinte ajoutée."))
                return redirect("contact-edit", pk=contact.pk)
        elif action == "delete-period":
            period = get_object_or_404(OnCallPeriod, contact=contact, pk=request.POST.get("period"))
            with transaction.atomic():
                record(period, AuditEvent.Action.DELETE, actor=request.user, organisation=contact.organisation,
                       before=snapshot(period))
                period.delete()
            messages.success(request, _("Astreinte supprimée."))
            return redirect("contact-edit", pk=contact.pk)
    errors = form.errors or period_form.errors
    return render(request, "frontend/crisis/contact_form.html", {
        "form": form, "contact": contact, "period_form": period_form, "can_write": writable,
        "periods": contact.on_call_periods.order_by("-starts_at")[:50],
    }, status=400 if errors else 200)
