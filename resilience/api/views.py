"""Resilience API: cut impact, trace of a premises, single points of failure, commune report.

Thin views: the figures come from resilience.services. Every network is read through
`Network.objects.restrict(principal)` (another operator's network: 404). Elected officials
(aggregate-only roles) get the commune report of their own commune only, in aggregates; the
impact (with its premises list), the trace and the SPOF list are refused to them (403).
"""
import json

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import error_response
from network.models import Cable, Commune, Network, Premises, RouteSegment, Site, SupportPoint
from organisations.models import Organisation
from organisations import permissions
from organisations.scoping import Principal, principal_for

from ..services.graph import RETRY_AFTER_S, GraphNotReady, get_request_graph, model_summary
from ..services.impact import UnknownAssets, impact_on_graph, resolve
from ..services.report import commune_resilience
from ..services.spof import spof_table
from ..services.trace import trace_on_graph
from .serializers import (
    CommuneResilienceResponseSerializer, ImpactRequestSerializer, ImpactResponseSerializer, NetworkQuerySerializer,
    PageQuerySerializer, SpofQuerySerializer, SpofResponseSerializer, TraceResponseSerializer,
)


class GraphNotReadyError(exceptions.APIException):
    """503 with Retry-After: the network's service graph of this version is being built by a
    worker; a web request never builds it (resilience/services/graph/cache.py)."""

    status_code = 503
    default_code = "service_graph_not_ready"
    default_detail = _("Le graphe de desserte de cette version du réseau est en cours de calcul ; réessayez.")

    def __init__(self, wait: int = RETRY_AFTER_S):
        super().__init__()
        self.wait = wait  # DRF's handler turns it into the Retry-After header


def request_graph(network: Network):
    """The network's service graph for this request, or 503 + Retry-After while a worker builds it."""
    try:
        return get_request_graph(network)
    except GraphNotReady:
        raise GraphNotReadyError() from None


def detail_principal(principal: Principal | None) -> Principal | None:
    """The principal reduced to the organisations where it may see detail (not aggregate-only)."""
    return permissions.detail_principal(principal)


def network_for_detail(request, slug: str) -> Network:
    """The network, if the caller may see its detail; 403 for aggregate-only callers, 404 when
    the network does not exist or belongs to someone else."""
    principal = principal_for(request)
    detail = detail_principal(principal)
    if detail is None or not (detail.is_superuser or detail.roles):
        raise exceptions.PermissionDenied(_("Réservé aux gestionnaires du réseau : les élus voient les agrégats."))
    return get_object_or_404(Network.objects.restrict(detail), slug=slug)


def page_params(data, query) -> tuple[int, int]:
    merged = {k: data[k] for k in ("page", "page_size") if k in data}
    merged.update({k: query[k] for k in ("page", "page_size") if k in query})
    s = PageQuerySerializer(data=merged)
    s.is_valid(raise_exception=True)
    return s.validated_data.get("page", 1), s.validated_data.get("page_size", 100)


def cut_assets_geojson(network: Network, result) -> dict:
    """FeatureCollection (EPSG:4326) of the failed segments, supports, sites and cables."""
    features = []
    for kind, model, codes, extra in (
        ("segment", RouteSegment, result.failed_segments, "laying_mode"),
        ("support", SupportPoint, result.failed_supports, "support_type"),
        ("site", Site, result.failed_sites, "site_type"),
        ("cable", Cable, result.failed_cables, "role"),
    ):
        if not codes:
            continue
        rows = (model.objects.filter(network=network, code__in=codes).exclude(geom=None)
                .annotate(gj=AsGeoJSON(Transform("geom", 4326), precision=7)).values_list("code", extra, "gj"))
        for code, value, gj in rows:
            features.append({"type": "Feature", "geometry": json.loads(gj),
                             "properties": {"kind": kind, "code": code, "type": value}})
    return {"type": "FeatureCollection", "features": features}


class ImpactView(APIView):
    """POST the failed assets (codes) → premises that lose service, figures, per-commune table,
    critical sites, the premises list (paginated) and the cut assets as GeoJSON."""

    @extend_schema(request=ImpactRequestSerializer, responses=ImpactResponseSerializer)
    def post(self, request):
        s = ImpactRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        page, page_size = page_params(request.data, request.query_params)
        network = network_for_detail(request, data["network"])
        graph = request_graph(network)
        try:
            idx = resolve(graph, network, data["segments"], data["supports"], data["sites"])
        except UnknownAssets as err:
            return error_response(err.errors)
        result = impact_on_graph(graph, idx["segments"], idx["supports"], idx["sites"])
        positions = result.positions[(page - 1) * page_size: page * page_size]
        premises = []
        for i in positions:
            ci = int(graph.premises_commune[i])
            premises.append({
                "code": graph.premises_codes[i], "commune": graph.commune_insees[ci] if ci >= 0 else "",
                "housing_units": int(graph.premises_households[i]), "business_units": int(graph.premises_businesses[i]),
                "critical_category": graph.premises_critical[i],
            })
        count = result.premises
        return Response({
            "network": network.slug, "version": graph.version,
            "figures": result.figures(),
            "communes": [vars(row) for row in result.communes],
            "critical_sites": [{k: v for k, v in row.items() if k != "id"} for row in result.critical_sites],
            "failed": {"segments": result.failed_segments, "supports": result.failed_supports,
                       "sites": result.failed_sites, "cables": result.failed_cables},
            "premises": {"count": count, "page": page, "page_size": page_size,
                         "pages": (count + page_size - 1) // page_size, "results": premises},
            "geojson": cut_assets_geojson(network, result),
            "model": model_summary(graph),
        })


class PremisesTraceView(APIView):
    """GET /premises/<code>/trace/?network=SLUG → the premises' path to its NRO."""

    @extend_schema(parameters=[OpenApiParameter("network", str, required=True)], responses=TraceResponseSerializer)
    def get(self, request, code):
        q = NetworkQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        network = network_for_detail(request, q.validated_data["network"])
        premises = get_object_or_404(Premises.objects.filter(network=network).only("code", "pbo_id"), code=code)
        return Response(trace_on_graph(request_graph(network), premises.code, premises.pbo_id, premises.pk).as_dict())


class NetworkSpofView(APIView):
    """GET /networks/<slug>/spof/?min_premises=N → ranked single points of failure (paginated)."""

    @extend_schema(parameters=[OpenApiParameter("min_premises", int), OpenApiParameter("page", int),
                               OpenApiParameter("page_size", int)], responses=SpofResponseSerializer)
    def get(self, request, slug):
        q = SpofQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        page, page_size = page_params({}, request.query_params)
        network = network_for_detail(request, slug)
        graph = request_graph(network)
        rows = [sp for sp in spof_table(graph) if sp.premises >= q.validated_data["min_premises"]]
        start = (page - 1) * page_size
        return Response({
            "network": network.slug, "version": graph.version, "min_premises": q.validated_data["min_premises"],
            "count": len(rows), "page": page, "page_size": page_size,
            "results": [dict(sp.as_dict(), rank=start + k + 1) for k, sp in enumerate(rows[start:start + page_size])],
        })


class CommuneResilienceView(APIView):
    """GET /communes/<insee>/resilience/?network=SLUG → the commune's resilience report.
    Elected officials: their own commune only, aggregates only."""

    @extend_schema(parameters=[OpenApiParameter("network", str, required=True)],
                   responses=CommuneResilienceResponseSerializer)
    def get(self, request, insee):
        q = NetworkQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        slug = q.validated_data["network"]
        principal = principal_for(request)
        detail = detail_principal(principal)
        network = Network.objects.restrict(detail).filter(slug=slug).first() if detail and (detail.is_superuser or detail.roles) else None
        aggregates_only = False
        if network is None:
            own = set(Organisation.objects.filter(
                pk__in=permissions.aggregate_organisation_ids(principal)
            ).exclude(insee_code="").values_list("insee_code", flat=True)) if principal else set()
            if not own:
                raise exceptions.NotFound()
            if insee not in own:
                raise exceptions.PermissionDenied(_("Un élu ne voit que le rapport de sa commune."))
            # an elected official sees the networks that serve premises in their commune
            network = Network.objects.filter(slug=slug).first()
            if network is None or not Premises.objects.filter(network=network, commune_id=insee).exists():
                raise exceptions.NotFound()
            aggregates_only = True

        get_object_or_404(Commune.objects.only("insee"), insee=insee)
        request_graph(network)  # 503 while not built; then the report finds it in this process
        return Response(commune_resilience(network, insee, aggregates_only=aggregates_only))
