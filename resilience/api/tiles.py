"""The `exposure` tile layer: /tiles/exposure/<z>/<x>/<y>.pbf?network=SLUG&alert=ID and
/tiles/exposure.json?network=SLUG&alert=ID. Scoped like the network tiles (network/api/tiles.py:
owner or operator of the network, else 404), and the alert must be one the caller sees (404).
ETag = the exposure run and whether its asset list is copied yet (a tile drawn before the copy
is not the final one); 204 when empty or when no run is current yet."""
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from network.api.access import FieldError, network_for
from network.api.tiles import MVT_CONTENT_TYPE, TILES_SCHEMA, AnyAccept, cache_headers, etag_matches
from network.services.summary import network_summary
from network.services.tiles import MAX_ZOOM
from organisations.scoping import principal_for

from ..models import Alert, ExposedAsset, ExposureRun, ExposureStatus
from ..services.exposure import exposed_count
from ..services.exposure_tiles import exposure_tile, exposure_tilejson


def _alert_for(request):
    raw = request.query_params.get("alert", "")
    if not raw.isdigit():
        raise FieldError("alert", _("Paramètre alert obligatoire (identifiant numérique)."))
    alert = Alert.objects.restrict(principal_for(request)).filter(pk=int(raw)).only("pk").first()
    if alert is None:
        raise FieldError("alert", _("Alerte inconnue : %(id)s.") % {"id": raw}, status.HTTP_404_NOT_FOUND)
    return alert


class ExposureTileView(APIView):
    """One vector tile of the assets an alert exposes on a network, with their probability."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept

    @extend_schema(responses={(200, MVT_CONTENT_TYPE): bytes, 204: None, 304: None})
    def get(self, request, z, x, y):
        z, x, y = int(z), int(x), int(y)
        if z > MAX_ZOOM:
            raise FieldError("z", _("Niveau de zoom trop grand (maximum %(max)d).") % {"max": MAX_ZOOM})
        if x >= 1 << z or y >= 1 << z:
            raise FieldError("x" if x >= 1 << z else "y",
                             _("Hors de la grille au zoom %(z)d (0 à %(max)d).") % {"z": z, "max": (1 << z) - 1})
        network = network_for(request)
        raw = request.query_params.get("alert", "")
        # one query in the usual case: the run of an alert the caller sees, and whether its asset
        # list is copied; the alert alone is looked up when there is no run (404 or 204)
        run = None
        if raw.isdigit():
            run = (ExposureRun.objects.filter(alert__in=Alert.objects.restrict(principal_for(request)).filter(pk=int(raw)),
                                              network=network, status=ExposureStatus.CURRENT)
                   .only("pk", "network_id", "computed_at", "totals")
                   .annotate(copied=Exists(ExposedAsset.objects.filter(run=OuterRef("pk")))).first())
        if run is None:
            _alert_for(request)
        complete = run is not None and (run.copied or not exposed_count(run.totals))
        etag = f'"exposure-{run.pk if run else 0}-{"c" if complete else "p"}-{TILES_SCHEMA}"'
        if etag_matches(request, etag):
            return cache_headers(HttpResponse(status=304), etag)
        data = exposure_tile(run, z, x, y, complete=complete) if run is not None else b""
        if not data:
            return cache_headers(HttpResponse(status=204), etag)
        return cache_headers(HttpResponse(data, content_type=MVT_CONTENT_TYPE), etag)


class ExposureTileJSONView(APIView):
    """TileJSON 3.0.0 of the exposure layer of one alert on one network."""

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def get(self, request):
        network = network_for(request)
        alert = _alert_for(request)
        base = request.build_absolute_uri(request.path.removesuffix(".json") + "/")
        template = base + "{z}/{x}/{y}.pbf" + f"?network={network.slug}&alert={alert.pk}"
        summary = network_summary(network)
        response = Response(exposure_tilejson(template, summary.extent_4326 if summary else None))
        response["Cache-Control"] = "private, max-age=60"
        return response
