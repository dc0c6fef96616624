"""Small JSON endpoints of the web UI (session auth, scoped like the pages):

- `/ui/changes/`: versions and counters the dashboard and the map poll (~15 s) to refresh
  without reloading: network versions (tiles), alerts, exposure runs, tickets, crisis log;
- `/ui/map/alerts.json`, `/ui/map/tickets.json`: map overlays (GeoJSON, WGS84);
- `/ui/map/asset/`: the asset card (what the asset serves, open tickets on it).
"""
import hashlib
import json
from urllib.parse import urlencode

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.db.models import Count, Func, Max
from django.http import Http404, JsonResponse
from django.urls import reverse

from incidents.models import CrisisLogEntry, DamagedAsset, TroubleTicket
from network.models import Enclosure, RouteSegment, Site, SupportPoint
from resilience.models import Alert, ExposureRun

from .alert_views import active_alert_areas
from .services.access import crisis_cell_page
from reporting.services.crisis_figures import OPEN_STATUSES
from .services.networks import visible_networks


def _stamp(row) -> str:
    n, last = row.get("n") or 0, row.get("last")
    return f"{n}:{last.isoformat() if last else ''}"


@crisis_cell_page
def changes(request):
    """What changed, as opaque version strings: a client refreshes what differs from its last poll."""
    principal = request.vigie
    networks = dict(visible_networks(principal).values_list("slug", "version"))
    alerts = Alert.objects.restrict(principal).aggregate(n=Count("id"), last=Max("updated_at"))
    runs = ExposureRun.objects.restrict(principal).aggregate(n=Count("id"), last=Max("computed_at"))
    tickets = TroubleTicket.objects.restrict(principal).aggregate(n=Count("id"), last=Max("last_update"))
    log = CrisisLogEntry.objects.restrict(principal).aggregate(n=Count("id"), last=Max("created_at"))
    versions = {"alerts": _stamp(alerts), "exposure": _stamp(runs), "tickets": _stamp(tickets), "log": _stamp(log)}
    token = hashlib.sha1(json.dumps([networks, versions], sort_keys=True).encode()).hexdigest()[:16]
    return JsonResponse({"token": token, "networks": networks, **versions},
                        headers={"Cache-Control": "no-store"})


def _network_or_404(principal, slug):
    network = visible_networks(principal).filter(slug=slug).first() if slug else None
    if network is None:
        raise Http404("network")
    return network


@crisis_cell_page
def map_alerts(request):
    """Active alert areas (public ones and the manual ones of the network) as GeoJSON."""
    principal = request.vigie
    network = _network_or_404(principal, request.GET.get("network"))
    features = [
        {"type": "Feature", "id": pk, "geometry": json.loads(geo),
         "properties": {"id": pk, "hazard": hazard, "level": level, "headline": headline,
                        "url": reverse("alert-detail", args=[pk])}}
        for pk, hazard, level, headline, geo in active_alert_areas(principal, network) if geo
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


ASSET_FIELDS = {
    DamagedAsset.ReferredType.ROUTE_SEGMENT: "segment__geom",
    DamagedAsset.ReferredType.SUPPORT_POINT: "support__geom",
    DamagedAsset.ReferredType.SITE: "site__geom",
    DamagedAsset.ReferredType.ENCLOSURE: "enclosure__geom",
    DamagedAsset.ReferredType.CABLE: "cable__geom",
}


@crisis_cell_page
def map_tickets(request):
    """Damaged assets of the open tickets of one network, as points (a line: its middle point)."""
    principal = request.vigie
    network = _network_or_404(principal, request.GET.get("network"))
    tickets = TroubleTicket.objects.restrict(principal).filter(network=network, status__in=OPEN_STATUSES)
    features = []
    for referred_type, geom_field in ASSET_FIELDS.items():
        point = Func(geom_field, function="ST_PointOnSurface", output_field=GeometryField(srid=2154))
        rows = (DamagedAsset.objects.filter(ticket__in=tickets, referred_type=referred_type)
                .exclude(**{f"{geom_field}__isnull": True})
                .annotate(geo=AsGeoJSON(Transform(point, 4326), precision=6))
                .values_list("ticket_id", "code", "ticket__severity", "ticket__status", "geo"))
        for ticket_id, code, severity, status, geo in rows:
            features.append({"type": "Feature", "geometry": json.loads(geo), "properties": {
                "ticket": ticket_id, "code": code, "type": referred_type, "severity": severity, "status": status,
                "url": reverse("ticket-detail", args=[ticket_id])}})
    return JsonResponse({"type": "FeatureCollection", "features": features})


ASSET_MODELS = {"RouteSegment": RouteSegment, "SupportPoint": SupportPoint, "Site": Site, "Enclosure": Enclosure}


@crisis_cell_page
def map_asset(request):
    """The asset card: what it serves (premises downstream: the impact engine with this asset failed)
    and the open tickets naming it."""
    # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web and worker processes
    from resilience.services.impact import UnknownAssets, impact

    principal = request.vigie
    network = _network_or_404(principal, request.GET.get("network"))
    referred_type, code = request.GET.get("type"), request.GET.get("code") or ""
    model = ASSET_MODELS.get(referred_type)
    if model is None:
        raise Http404("type")
    asset = model.objects.filter(network=network, code=code).first()
    if asset is None:
        raise Http404("asset")
    kwargs = {}
    if model is RouteSegment:
        kwargs["failed_segments"] = [asset.pk]
    elif model is SupportPoint:
        kwargs["failed_supports"] = [asset.pk]
    elif model is Site:
        kwargs["failed_sites"] = [asset.pk]
    elif asset.support_id:
        kwargs["failed_supports"] = [asset.support_id]
    serves = None
    if kwargs:
        try:
            serves = impact(network, **kwargs).figures()
        except UnknownAssets:
            serves = None
    tickets = (TroubleTicket.objects.restrict(principal)
               .filter(network=network, status__in=OPEN_STATUSES, damaged_assets__referred_type=referred_type,
                       damaged_assets__code=code).distinct().order_by("-creation_date"))
    return JsonResponse({
        "network": network.slug, "type": referred_type, "code": code, "serves": serves,
        "tickets": [{"id": t.pk, "name": t.name or t.description[:80], "status": t.status, "status_label": t.get_status_display(),
                     "severity": t.severity, "url": reverse("ticket-detail", args=[t.pk])} for t in tickets[:20]],
        "declare_url": reverse("ticket-create") + "?" + urlencode({"network": network.slug, "type": referred_type, "code": code}),
    })
