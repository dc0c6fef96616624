"""Network read API: the networks the caller sees, and their map layers as GeoJSON.

Views stay small: the querysets are in `services/layers.py`, the network resolution (scoping,
400/403/404) in `api/access.py`.
"""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework_gis.pagination import GeoJsonPagination

from organisations.scoping import principal_for

from ..models import Network
from ..services.access import visible_networks
from ..services.layers import LAYER_QUERYSETS, BBoxError, in_bbox, parse_bbox
from ..services.summary import network_summaries
from .access import FieldError, network_for
from .filtersets import LAYER_FILTERSETS
from .serializers import LAYER_SERIALIZERS, NetworkSerializer


class NetworkViewSet(viewsets.ReadOnlyModelViewSet, mixins.DestroyModelMixin):
    """Networks the caller sees (syndicate: those it owns; operator: those it operates), with
    their object counts, their extent in WGS84 and their version. Aggregates: elected officials
    of the owner see them too. DELETE (admin of the owning syndicate) removes a network and all
    that hangs on it; `?force=true` even while open tickets reference it."""

    serializer_class = NetworkSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return (visible_networks(principal_for(self.request))
                .select_related("owner", "operator").order_by("slug"))

    def destroy(self, request, *args, **kwargs):
        from organisations.models.membership import Role

        from ..services.network_delete import DeleteRefused, delete_network

        network = self.get_object()
        principal = principal_for(request)
        if not (principal.is_superuser or principal.role_in(network.owner_id) == Role.ADMIN):
            raise PermissionDenied(_("Suppression réservée aux administrateurs du syndicat propriétaire."))
        force = request.query_params.get("force", "").lower() in ("1", "true", "yes")
        try:
            counts = delete_network(network, force=force, actor=request.user, organisation=network.owner)
        except DeleteRefused as exc:
            return Response({"errors": [{"path": exc.path, "reason": exc.reason}]}, status=status.HTTP_409_CONFLICT)
        return Response({"deleted": network.slug, **counts}, status=status.HTTP_200_OK)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["summaries"] = self._summaries
        return context

    def get_serializer(self, *args, **kwargs):
        instance = args[0] if args else kwargs.get("instance")
        networks = [instance] if isinstance(instance, Network) else list(instance or [])
        self._summaries = network_summaries(networks)
        return super().get_serializer(*args, **kwargs)


class LayerPagination(GeoJsonPagination):
    """A FeatureCollection with `count`, `next`, `previous`; `page_size` up to 5 000."""

    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000


LAYER_PARAMETERS = [
    OpenApiParameter("network", OpenApiTypes.STR, description="Réseau (slug) ; obligatoire si vous en voyez plusieurs"),
    OpenApiParameter("bbox", OpenApiTypes.STR, description="minlon,minlat,maxlon,maxlat en EPSG:4326"),
]


class LayerListView(generics.ListAPIView):
    """One map layer of a network as a GeoJSON FeatureCollection in EPSG:4326, paginated,
    filtered by `bbox` (WGS84) and by the layer's attributes."""

    layer: str = ""
    pagination_class = LayerPagination

    @property
    def filterset_class(self):
        return LAYER_FILTERSETS[self.layer]

    def get_serializer_class(self):
        return LAYER_SERIALIZERS[self.layer]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.bbox = None
        raw = request.query_params.get("bbox")
        if raw is not None:
            try:
                self.bbox = parse_bbox(raw)
            except BBoxError as error:
                raise FieldError("bbox", str(error))
        self.network = network_for(request)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LAYER_FILTERSETS[self.layer]._meta.model.objects.none()
        return in_bbox(LAYER_QUERYSETS[self.layer](self.network), self.bbox)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).values(*self.get_serializer_class().value_fields())

    @extend_schema(parameters=LAYER_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def layer_view(layer: str):
    """A LayerListView subclass per layer (its own name in the OpenAPI schema)."""
    name = f"{layer.title()}LayerView"
    doc = _("Couche « %(layer)s » d'un réseau en GeoJSON (EPSG:4326).") % {"layer": layer}
    return type(name, (LayerListView,), {"layer": layer, "__doc__": str(doc)})
