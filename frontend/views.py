"""Crisis-cell pages. Views stay thin: data comes from services and the scoped querysets."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from organisations.models import Organisation
from organisations.scoping import principal_for

from .services.networks import network_bounds_4326, visible_networks


@login_required
def dashboard(request):
    """Tableau de bord de la cellule de crise."""
    principal = principal_for(request)
    organisations = Organisation.objects.filter(pk__in=principal.organisation_ids)
    return render(request, "frontend/dashboard.html", {
        "organisations": organisations, "principal": principal, "networks": visible_networks(principal),
    })


@login_required
def map_view(request):
    """Carte : réseau en tuiles vectorielles, alertes, actifs exposés, tickets."""
    principal = principal_for(request)
    networks = list(visible_networks(principal))
    current = next((n for n in networks if n.slug == request.GET.get("network")), networks[0] if networks else None)
    config = {
        "network": current.slug if current else None,
        "bounds": network_bounds_4326(current) if current else None,
        "osmTileUrl": settings.OSM_TILE_URL,
        "center": settings.LEAFLET_CONFIG["DEFAULT_CENTER"],
        "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"],
    }
    return render(request, "frontend/map.html", {"networks": networks, "current": current, "map_config": config})


def _commune_summary_or_404(request, insee):
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from network.models import Commune

    from .services.commune_summary import build_summary, commune_networks

    commune = get_object_or_404(Commune, insee=insee)
    networks = commune_networks(principal_for(request), commune)
    if networks is None:
        raise Http404("commune not visible")  # same answer as a commune that does not exist
    return build_summary(commune, networks), networks


@login_required
def commune_summary(request, insee):
    """Synthèse communale pour les élus : agrégats seulement."""
    from .services.commune_map import commune_svg

    summary, networks = _commune_summary_or_404(request, insee)
    svg = commune_svg(insee, list(networks.values_list("pk", flat=True)))
    return render(request, "frontend/commune_summary.html", {"summary": summary, "svg": svg})


@login_required
def commune_summary_pdf(request, insee):
    """La même synthèse en PDF A4 d'une page (WeasyPrint), carte dessinée côté serveur."""
    from django.http import HttpResponse
    from django.template.loader import render_to_string
    from django.utils import timezone
    from weasyprint import HTML

    from .services.commune_map import commune_svg

    summary, networks = _commune_summary_or_404(request, insee)
    svg = commune_svg(insee, list(networks.values_list("pk", flat=True)), width=420, max_height=360)
    html = render_to_string("frontend/commune_summary_pdf.html", {"summary": summary, "svg": svg, "now": timezone.now()}, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="synthese-{insee}.pdf"'
    return response
