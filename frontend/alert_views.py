"""Alert pages (*alertes*): list, detail with exposure per commune, and a manual alert drawn on a map.
A drawn alert goes through the same ingestion service as `POST /api/v1/alerts/` (a GeoJSON
Feature): raw message stored, same validation, same exposure task."""
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Func, Q, Value
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from organisations.models import Organisation
from organisations.permissions import WRITE, acting_organisation, may_write, network_organisations
from resilience.models import Alert, ExposureRun
from resilience.models.exposure import ExposureStatus
from resilience.services.ingest import IngestError, ingest_payload

from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform

from .forms import ManualAlertForm
from .services.access import crisis_cell_page
from .services.networks import network_bounds_4326, visible_networks


def _writable_networks(principal):
    networks = list(visible_networks(principal))
    if principal.is_superuser:
        return networks
    return [n for n in networks if may_write(principal, network_organisations(n))]


@crisis_cell_page
def alert_list(request):
    principal = request.vigie
    show_all = request.GET.get("toutes") == "1"
    alerts = Alert.objects.restrict(principal)
    alerts = (alerts if show_all else alerts.active()).order_by("-level", "-onset", "-id")[:500]
    alerts = list(alerts)
    exposed = {}
    for alert_id, totals in (ExposureRun.objects.restrict(principal)
                             .filter(alert__in=[a.pk for a in alerts], status=ExposureStatus.CURRENT)
                             .values_list("alert_id", "totals")):
        exposed[alert_id] = exposed.get(alert_id, 0) + (totals or {}).get("premises", 0)
    rows = [(a, exposed.get(a.pk)) for a in alerts]
    return render(request, "frontend/alerts/list.html", {
        "rows": rows, "show_all": show_all, "can_draw": bool(_writable_networks(principal)),
    })


@crisis_cell_page
def alert_detail(request, pk):
    principal = request.vigie
    alert = get_object_or_404(Alert.objects.restrict(principal).annotate(
        area_json=AsGeoJSON(Transform("area", 4326), precision=6)).select_related("organisation", "network"), pk=pk)
    runs = list(ExposureRun.objects.restrict(principal).filter(alert=alert, status=ExposureStatus.CURRENT)
                .select_related("network").order_by("network__slug"))
    area = json.loads(alert.area_json) if alert.area_json else None
    return render(request, "frontend/alerts/detail.html", {"alert": alert, "runs": runs, "area": area})


@crisis_cell_page
def alert_create(request):
    principal = request.vigie
    networks = _writable_networks(principal)
    if not networks:
        raise PermissionDenied(_("Votre rôle ne permet pas de créer une alerte."))
    form = ManualAlertForm(request.POST or None, networks=networks, initial={"network": networks[0].slug})
    refused = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        network = next(n for n in networks if n.slug == data["network"])
        try:
            geometry = json.loads(data["geometry"]) if data["geometry"] else None
        except ValueError:
            geometry = None
            form.add_error(None, _("Zone dessinée illisible : dessinez un polygone sur la carte."))
        if geometry is not None and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        if not form.errors and geometry is None:
            form.add_error(None, _("Dessinez la zone de l'alerte (un polygone) sur la carte."))
        if not form.errors:
            properties = {"hazard": data["hazard"], "level": data["level"], "network": network.slug}
            if data["headline"]:
                properties["headline"] = data["headline"]
            for name in ("onset", "expires"):
                if data[name]:
                    properties[name] = data[name].isoformat()
            body = json.dumps({"type": "Feature", "geometry": geometry, "properties": properties}).encode()
            org_id = acting_organisation(principal, WRITE, network_organisations(network))
            organisation = Organisation.objects.filter(pk=org_id).first() if org_id else None
            try:
                result = ingest_payload(body, "geojson", content_type="application/json", origin="ui",
                                        organisation=organisation, network=network)
            except IngestError as exc:
                refused = exc.errors
            else:
                alert = result.alerts[-1]
                messages.success(request, _("Alerte créée ; l'exposition du réseau est en cours de calcul."))
                return redirect("alert-detail", pk=alert.pk)
    current = networks[0]
    bounds = network_bounds_4326(current)
    return render(request, "frontend/alerts/create.html", {
        "form": form, "refused": refused, "bounds": bounds,
        "bounds_by_network": {n.slug: network_bounds_4326(n) for n in networks[:20]},
    }, status=400 if (form.errors or refused) else 200)


def active_alert_areas(principal, network=None):
    """Active alerts visible to the principal, with their area in WGS84 (for the map overlay):
    public alerts and the manual alerts of the principal's organisations (one query)."""
    alerts = Alert.objects.restrict(principal).active().filter(area__isnull=False)
    if network is not None:
        alerts = alerts.filter(Q(network__isnull=True) | Q(network=network))
    simplified = Func("area", Value(20.0), function="ST_SimplifyPreserveTopology", output_field=MultiPolygonField(srid=2154))
    return alerts.annotate(geo=AsGeoJSON(Transform(simplified, 4326), precision=5)).values_list(
        "pk", "hazard", "level", "headline", "geo")
