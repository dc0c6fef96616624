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
