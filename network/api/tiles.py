"""Vector tile views: /tiles/<layer>/<z>/<x>/<y>.pbf and the TileJSON /tiles/<layer>.json.

DRF views for the authentication (API token or the web map's session) and the error shape; the
SQL is in `services/tiles.py`. Tiles are private (scoped data): `Cache-Control: private`, an ETag
made of the network's version, and 304 when the client already holds that version. An empty tile
(below the layer's minimum zoom, outside the network's extent, or nothing in it) is a 204.
"""
from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services.summary import network_summary
from ..services.tiles import MAX_ZOOM, TILE_LAYERS, cached_tile, tilejson
from .access import FieldError, network_for

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
# 2: premises (z13–14) and supports (z13) as grid cells.
TILES_SCHEMA = 2  # bump when the tiles' attributes change, so clients drop their copies


class AnyAccept(BaseContentNegotiation):
    """Errors in JSON whatever the map client sent in `Accept` (often application/x-protobuf)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def etag_for(network, layer: str) -> str:
    return f'"{network.pk}-{network.version}-{layer}-{TILES_SCHEMA}"'


def etag_matches(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def cache_headers(response, etag: str):
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={getattr(settings, 'TILES_MAX_AGE', 300)}, must-revalidate"
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


class TileView(APIView):
    """One vector tile (Mapbox Vector Tile 2.1) of one layer of a network."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept

    @extend_schema(responses={(200, MVT_CONTENT_TYPE): bytes, 204: None, 304: None})
    def get(self, request, layer, z, x, y):
        z, x, y = int(z), int(x), int(y)
        if z > MAX_ZOOM:
            raise FieldError("z", _("Niveau de zoom trop grand (maximum %(max)d).") % {"max": MAX_ZOOM})
        if x >= 1 << z:
            raise FieldError("x", _("Hors de la grille au zoom %(z)d (0 à %(max)d).") % {"z": z, "max": (1 << z) - 1})
        if y >= 1 << z:
            raise FieldError("y", _("Hors de la grille au zoom %(z)d (0 à %(max)d).") % {"z": z, "max": (1 << z) - 1})
        network = network_for(request)
        etag = etag_for(network, layer)
        if etag_matches(request, etag):
            return cache_headers(HttpResponse(status=304), etag)
        data = cached_tile(network, layer, z, x, y, summary=network_summary(network))
        if not data:
            return cache_headers(HttpResponse(status=204), etag)
        return cache_headers(HttpResponse(data, content_type=MVT_CONTENT_TYPE), etag)


class TileJSONView(APIView):
    """TileJSON 3.0.0 of one layer of a network: tiles URL template, zooms, bounds, fields."""

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def get(self, request, layer):
        network = network_for(request)
        base = request.build_absolute_uri(request.path.removesuffix(".json") + "/")  # keeps any script prefix
        template = base + "{z}/{x}/{y}.pbf" + f"?network={network.slug}"
        response = Response(tilejson(layer, template, network_summary(network)))
        response["Cache-Control"] = "private, max-age=60"
        return response


LAYER_PATTERN = "|".join(TILE_LAYERS)
