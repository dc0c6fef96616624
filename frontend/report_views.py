"""Field damage report pages (*signalements*): a phone-sized page to file one (position from the
map tap or the device, photo, comment), and the crisis cell's triage list (into a ticket, or
dismissed with a reason). Everything goes through restoration.services.reports, as the API does."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from incidents.services.attachments import AttachmentRefused, check_photo
from network.models import Network, Premises
from organisations.scoping import principal_for
from restoration.models import DamageReport, DamageReportKind, DamageReportStatus
from restoration.services.reports import (
    ReportRefused, _elected_commune_orgs, dismiss, file_report, network_for_report, parse_point, triage_to_ticket,
)

from .services.access import crisis_cell_page
from .services.networks import visible_networks


def _report_networks(principal):
    """Networks the person may report on: those they see, and those serving their commune (elected)."""
    networks = list(visible_networks(principal))
    insees = [o.insee_code for o in _elected_commune_orgs(principal)]
    if insees:
        serving = Network.objects.filter(pk__in=Premises.objects.filter(commune_id__in=insees).values("network"))
        networks += [n for n in serving.order_by("slug") if n not in networks]
    return networks


@login_required
def report_create(request):
    """Signaler un dommage (page pour téléphone)."""
    principal = principal_for(request)
    if principal is None:
        raise PermissionDenied("no organisation")
    networks = _report_networks(principal)
    values = {"network": request.GET.get("network") or (networks[0].slug if networks else ""),
              "lon": request.GET.get("lon", ""), "lat": request.GET.get("lat", ""), "kind": "", "comment": ""}
    errors = []
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in ("network", "lon", "lat", "kind", "comment")})
        try:
            network = network_for_report(principal, values["network"])
            try:
                location = {"type": "Point", "coordinates": [float(values["lon"]), float(values["lat"])]}
            except ValueError:
                raise ReportRefused([{"path": "location", "reason": _("touchez la carte ou utilisez votre position")}]) from None
            point = parse_point(location)
            photo, mime = request.FILES.get("photo"), ""
            if photo is not None:
                try:
                    mime = check_photo(photo)
                except AttachmentRefused as exc:
                    raise ReportRefused([{"path": "photo", "reason": str(exc)}]) from None
            report = file_report(principal, network, values["kind"], point, values["comment"], photo=photo,
                                 photo_mime_type=mime)
        except ReportRefused as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Signalement n° %(id)s enregistré, merci.") % {"id": report.pk})
            return redirect("report-create")
    return render(request, "frontend/reports/create.html", {
        "networks": networks, "values": values, "errors": errors, "kinds": DamageReportKind.choices,
        "map_config": {"lon": values["lon"], "lat": values["lat"]},
    }, status=400 if errors else 200)


@crisis_cell_page
def report_list(request):
    """Signalements à trier, par groupe de signalements proches."""
    principal = request.vigie
    reports = (DamageReport.objects.restrict(principal).filter(status=DamageReportStatus.NEW)
               .select_related("network", "commune", "organisation").order_by("group_id", "reported_at"))
    groups: dict = {}
    for r in reports[:500]:
        groups.setdefault(r.group_id or r.pk, []).append(r)
    recent = (DamageReport.objects.restrict(principal).exclude(status=DamageReportStatus.NEW)
              .select_related("ticket", "commune").order_by("-triaged_at")[:30])
    return render(request, "frontend/reports/list.html", {"groups": list(groups.values()), "recent": recent})


@crisis_cell_page
def report_triage(request, pk):
    """POST: `action=ticket` (one ticket for the group) or `action=dismiss` with a `reason`."""
    if request.method != "POST":
        return redirect("report-list")
    report = get_object_or_404(DamageReport.objects.restrict(request.vigie), pk=pk)
    try:
        if request.POST.get("action") == "ticket":
            ticket = triage_to_ticket(request.vigie, report, base_url=request.build_absolute_uri("/")[:-1])
            messages.success(request, _("Ticket n° %(id)s créé.") % {"id": ticket.pk})
            return redirect("ticket-detail", pk=ticket.pk)
        dismiss(request.vigie, report, request.POST.get("reason", ""))
        messages.success(request, _("Signalement écarté."))
    except ReportRefused as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.errors[0]["reason"]) from None
        messages.error(request, "; ".join(e["reason"] for e in exc.errors))
    return redirect("report-list")
