"""Pages of the power app (*énergie*): state and timeline of the active sites, supplies to edit,
outage CSV upload, generator dispatch plan. Thin: the data comes from power.services."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from functools import wraps

from django.contrib.auth.decorators import login_required

from network.models import Site
from network.services.access import detail_networks
from organisations.permissions import detail_principal
from organisations.scoping import principal_for

from .forms import DeclareForm, OutageUploadForm, SupplyForm, SupplyUploadForm
from .models import PowerOutage
from .services import dispatch, prediction
from .services.access import writer_organisation
from .services.outages import OutageError, ingest_csv
from .services.supplies import declare_state, import_csv, supply_for, update_supply

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def crisis_cell_page(view):
    """Login required; someone holding only aggregate-only roles (an elected official) gets 403,
    as on the frontend's crisis-cell pages. The view gets the principal as `request.vigie`.
    (Not imported from frontend: power sits below the UI layer.)"""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        principal = principal_for(request)
        if detail_principal(principal) is None:
            raise PermissionDenied
        request.vigie = principal
        return view(request, *args, **kwargs)

    return wrapper


def _networks(principal):
    return list(detail_networks(principal).order_by("slug"))


def _current(request, networks):
    slug = request.GET.get("network") or request.POST.get("network")
    return next((n for n in networks if n.slug == slug), networks[0] if networks else None)


def _may_write(principal, network) -> bool:
    try:
        writer_organisation(principal, network)
        return True
    except PermissionDenied:
        return False


def _back(network):
    return redirect(f"{reverse('power-overview')}?network={network.slug}")


@crisis_cell_page
def overview(request):
    """Énergie : sites actifs, chronologie des coupures prévues, coupures, plan des groupes."""
    principal = request.vigie
    networks = _networks(principal)
    network = _current(request, networks)
    context = {"networks": networks, "current": network}
    if network is not None:
        state = prediction.network_power_state(network)
        context.update(
            state=state, plan=dispatch.plan(network), may_write=_may_write(principal, network),
            outages=PowerOutage.objects.filter(network=network).prefetch_related("communes").order_by("-start")[:50],
            outage_form=OutageUploadForm(), supply_form=SupplyUploadForm(),
        )
    return render(request, "power/overview.html", context)


def _read_upload(request, form_class):
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        return None, [{"path": k, "reason": " ".join(v)} for k, v in form.errors.items()]
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD_BYTES:
        return None, [{"path": "file", "reason": _("fichier trop volumineux (5 Mo au plus)")}]
    return upload.read(), None


@require_POST
@crisis_cell_page
def upload_outages(request):
    principal = request.vigie
    network = _current(request, _networks(principal))
    if network is None:
        raise PermissionDenied
    org = writer_organisation(principal, network)
    payload, errors = _read_upload(request, OutageUploadForm)
    if payload is not None:
        try:
            outages = ingest_csv(payload, network, organisation=org, actor=request.user,
                                 origin=f"ui:{request.FILES['file'].name}"[:500])
            messages.success(request, _("%(n)d coupure(s) enregistrée(s).") % {"n": len(outages)})
        except OutageError as exc:
            errors = exc.errors
    for e in errors or []:
        messages.error(request, f"{e['path']} : {e['reason']}" if e["path"] else e["reason"])
    return _back(network)


@require_POST
@crisis_cell_page
def upload_supplies(request):
    principal = request.vigie
    network = _current(request, _networks(principal))
    if network is None:
        raise PermissionDenied
    org = writer_organisation(principal, network)
    payload, errors = _read_upload(request, SupplyUploadForm)
    if payload is not None:
        try:
            report = import_csv(network, payload.decode("utf-8-sig"), actor=request.user, organisation=org)
            errors = report["errors"]
            if not errors:
                messages.success(request, _("%(c)d alimentation(s) créée(s), %(u)d mise(s) à jour.")
                                 % {"c": report["created"], "u": report["updated"]})
        except UnicodeDecodeError:
            errors = [{"path": "file", "reason": _("CSV en UTF-8 attendu")}]
    for e in errors or []:
        messages.error(request, f"{e['path']} : {e['reason']}" if e["path"] else e["reason"])
    return _back(network)


@crisis_cell_page
def site_edit(request, slug, code):
    """Alimentation d'un site actif : édition, et état constaté par l'exploitant."""
    principal = request.vigie
    network = next((n for n in _networks(principal) if n.slug == slug), None)
    if network is None:
        from django.http import Http404

        raise Http404("network")
    site = get_object_or_404(Site.objects.filter(network=network), code=code)
    supply = supply_for(site)
    may_write = _may_write(principal, network)
    form = SupplyForm(instance=supply, network=network)
    declare = DeclareForm()
    if request.method == "POST":
        org = writer_organisation(principal, network)
        if "state" in request.POST:
            declare = DeclareForm(request.POST)
            if declare.is_valid():
                if supply.pk is None:
                    supply = update_supply(supply, {}, actor=request.user, organisation=org)
                declare_state(supply, declare.cleaned_data["state"], comment=declare.cleaned_data["comment"],
                              actor=request.user, organisation=org)
                messages.success(request, _("État du site enregistré."))
                return redirect(request.path)
        else:
            form = SupplyForm(request.POST, instance=supply_for(site), network=network)
            if form.is_valid():
                changes = {name: form.cleaned_data[name] for name in form.changed_data}
                update_supply(supply_for(site), changes, actor=request.user, organisation=org)
                messages.success(request, _("Alimentation enregistrée."))
                return redirect(request.path)
    row = next((r for r in prediction.site_rows(network) if r["code"] == code), None)
    return render(request, "power/site_edit.html", {"network": network, "site": site, "form": form, "declare": declare,
                                                    "row": row, "may_write": may_write})
