"""Crisis-cell pages. Views stay thin: data comes from services and the scoped querysets."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from organisations.models import Organisation
from organisations.scoping import principal_for

from resilience.models import Alert, Hazard, Level

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from network.models import Commune
from network.services.boundaries import resolve_commune

from organisations.permissions import detail_principal

from .services.access import crisis_cell_page, landing_for_elected
from .services.dashboard import build_dashboard
from .services.networks import network_bounds_4326, visible_networks
from .services.commune_map import commune_svg
from .services.commune_summary import build_summary, commune_networks, critical_by_category


@login_required
def dashboard(request):
    """Tableau de bord de la cellule de crise. Elected officials land on their commune summary.
    `?fragment=1` returns the live part alone (refreshed by dashboard.js without reloading)."""
    landing = landing_for_elected(request)
    if landing is not None:
        return landing
    principal = detail_principal(principal_for(request))
    organisations = Organisation.objects.filter(pk__in=principal.organisation_ids) if principal else Organisation.objects.none()
    board = build_dashboard(principal) if principal else None
    if board:
        from .crisis_manage_views import nis2_deadlines_of

        for crisis in board.crises:  # the NIS2 deadlines of significant incidents, with their state
            crisis.nis2_stages = nis2_deadlines_of(crisis)
    context = {"organisations": organisations, "principal": principal, "board": board}
    if request.GET.get("fragment") == "1":
        return render(request, "frontend/_dashboard_live.html", context)
    return render(request, "frontend/dashboard.html", context)


@crisis_cell_page
def map_view(request):
    """Carte : réseau en tuiles vectorielles, alertes, actifs exposés, tickets."""
    principal = request.vigie
    networks = list(visible_networks(principal))
    current = next((n for n in networks if n.slug == request.GET.get("network")), networks[0] if networks else None)
    alerts = list(Alert.objects.restrict(principal).active().filter(area__isnull=False)
                  .order_by("-level", "hazard").values("pk", "hazard", "level", "headline")[:200])
    hazards, levels = dict(Hazard.choices), dict(Level.choices)
    alert_choices = [(a["pk"], f'{hazards.get(a["hazard"], a["hazard"])} — {levels.get(a["level"], a["level"])}'
                      + (f' — {a["headline"][:60]}' if a["headline"] else "")) for a in alerts]
    selected = request.GET.get("alert")
    config = {
        "selectedAlert": int(selected) if selected and selected.isdigit() else None,
        "network": current.slug if current else None,
        "bounds": network_bounds_4326(current) if current else None,
        "osmTileUrl": settings.OSM_TILE_URL,
        "center": settings.LEAFLET_CONFIG["DEFAULT_CENTER"],
        "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"],
    }
    return render(request, "frontend/map.html", {"networks": networks, "current": current, "map_config": config,
                                                 "alert_choices": alert_choices})


def _commune_summary_or_404(request, insee):
    commune, _merged = resolve_commune(insee)  # a code merged since 2018: its commune nouvelle
    if commune is None:
        commune = get_object_or_404(Commune, insee=insee)
    networks = commune_networks(principal_for(request), commune)
    if networks is None:
        raise Http404("commune not visible")  # same answer as a commune that does not exist
    return build_summary(commune, networks), networks


@login_required
def commune_summary(request, insee):
    """Synthèse communale pour les élus : agrégats seulement."""
    summary, networks = _commune_summary_or_404(request, insee)
    svg = commune_svg(insee, list(networks.values_list("pk", flat=True)))
    return render(request, "frontend/commune_summary.html", {"summary": summary, "svg": svg})


@login_required
def commune_summary_pdf(request, insee):
    """La même synthèse en PDF A4 d'une page (WeasyPrint), carte dessinée côté serveur."""
    # imported here: WeasyPrint (pango, cairo) loads only for the PDF
    from weasyprint import HTML

    import base64

    from .services.commune_map import commune_png

    summary, networks = _commune_summary_or_404(request, insee)
    png, map_width, map_height = commune_png(insee, list(networks.values_list("pk", flat=True)), width=420, max_height=340)
    context = {"summary": summary, "map_png": base64.b64encode(png).decode() if png else "", "now": timezone.now(),
               "map_width": map_width, "map_height": map_height,
               "critical_groups": critical_by_category(summary.critical_sites)}  # one row per category: fits one page
    html = render_to_string("frontend/commune_summary_pdf.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="synthese-{insee}.pdf"'
    return response
