"""Alerts API: push (CAP XML or GeoJSON Feature), list/filter, detail, exposure per network.

Visibility: alerts from public services are readable by every authenticated caller; a manual
(or API-pushed) alert belongs to the submitting organisation. Exposure is network data: only the
network's owner and operator read it (others get 404); elected officials get the per-commune
figures without the asset list.
"""
import json

import django_filters
from django.conf import settings
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework_gis.pagination import GeoJsonPagination
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from core import safe_cache
from core.api.errors import error_response
from network.models import Enclosure, Network, RouteSegment, Site, SupportPoint
from organisations.api.base import ScopedViewMixin
from organisations.permissions import AGGREGATE, ROLES_FOR, WRITE, may_read, may_write
from organisations.scoping import principal_for

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from organisations.models import Organisation

from ..models import Alert, AlertSource, ExposedAsset, ExposureRun, ExposureStatus, Hazard, Lifecycle
from ..services.ingest import IngestError, ingest_payload
from .serializers_alerts import AlertListSerializer, AlertSerializer, ExposureRunSerializer


class AlertFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(method="filter_active", label=_("en cours"))
    hazard = django_filters.MultipleChoiceFilter(choices=Hazard.choices)
    level = django_filters.NumberFilter()
    level_min = django_filters.NumberFilter(field_name="level", lookup_expr="gte")
    source = django_filters.ChoiceFilter(choices=AlertSource.choices)
    lifecycle = django_filters.ChoiceFilter(choices=Lifecycle.choices)
    departement = django_filters.CharFilter(field_name="departements__code")

    class Meta:
        model = Alert
        fields = ["active", "hazard", "level", "level_min", "source", "lifecycle", "departement", "status"]

    def filter_active(self, queryset, name, value):
        active = Alert.objects.active().values("pk")
        return queryset.filter(pk__in=active) if value else queryset.exclude(pk__in=active)


def _flag(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "oui")


def _writer_organisation(principal, network):
    """The organisation an alert is pushed for: the caller's organisation with a write role."""
    orgs = [org for org, role in principal.roles.items() if role in ROLES_FOR[WRITE]]
    if network is not None:
        orgs = [o for o in orgs if o in (network.owner_id, network.operator_id)] or orgs
    if not orgs and not principal.is_superuser:
        raise PermissionDenied(_("rôle en écriture requis"))
    if len(orgs) > 1:
        raise IngestError([{"path": "", "reason": _("plusieurs organisations possibles : utilisez un jeton d'organisation")}])

    return Organisation.objects.get(pk=orgs[0]) if orgs else None


class AlertViewSet(ScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Storm and flood alerts (*alertes*). POST: CAP 1.2 XML (`application/xml`) or a GeoJSON Feature."""

    filterset_class = AlertFilterSet
    serializer_class = AlertSerializer

    queryset = Alert.objects.select_related("organisation", "network").prefetch_related("departements", "communes")
    read_action = AGGREGATE  # alerts are public facts (manual ones: their organisation's), elected officials included
    write_action = None  # POST checks the writer organisation itself (_writer_organisation)

    def get_serializer_class(self):
        return AlertListSerializer if self.action == "list" else AlertSerializer

    @extend_schema(request={"application/xml": OpenApiTypes.STR, "application/json": OpenApiTypes.OBJECT},
                   responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT})
    def create(self, request, *args, **kwargs):
        principal = principal_for(request)
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > max(settings.ALERTS_MAX_PAYLOAD_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
            # beyond what Django reads into memory: refused unread (smaller excess is kept truncated)
            return error_response([{"path": "", "reason": str(_("message trop volumineux (%(size)d octets, maximum %(max)d)")
                                    % {"size": length, "max": settings.ALERTS_MAX_PAYLOAD_BYTES})}], 413)
        body = request._request.body
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        network = None
        if content_type in ("application/xml", "text/xml", "application/cap+xml"):
            fmt = "cap"
        elif content_type in ("application/json", "application/geo+json"):
            fmt = "geojson"
        else:
            return error_response([{"path": "Content-Type", "reason": str(
                _("type de contenu %(t)s non pris en charge : application/xml (CAP) ou application/json (GeoJSON)")
                % {"t": content_type or "absent"})}], 415)
        try:
            if fmt == "geojson":
                try:
                    doc = json.loads(body)
                except (ValueError, UnicodeDecodeError):
                    doc = None  # ingestion stores the raw body and refuses it as not JSON
                network = self._network_of(doc, principal)
            organisation = _writer_organisation(principal, network)
            result = ingest_payload(body, fmt, content_type=content_type, origin="api", organisation=organisation,
                                    network=network, historic=_flag(request.query_params.get("historic")))
        except IngestError as exc:
            return error_response(exc.errors, exc.status)
        alerts = result.alerts
        data = AlertSerializer(alerts[-1], context={"request": request}).data if alerts else None
        return Response({"alert": data, "alerts": [a.pk for a in alerts], "raw_message": result.raw_message.pk,
                         "duplicate": result.duplicate},
                        status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED)

    @staticmethod
    def _network_of(doc, principal):
        slug = ((doc or {}).get("properties") or {}).get("network") if isinstance(doc, dict) else None
        if not slug:
            return None
        network = Network.objects.restrict(principal).filter(slug=slug).first()
        if network is None:
            raise IngestError([{"path": "properties.network", "reason": _("réseau inconnu : %(s)s") % {"s": slug}}])
        return network

    @extend_schema(parameters=[OpenApiParameter("network", str, description="slug du réseau"),
                               OpenApiParameter("full", bool, description="toutes les listes de sites critiques"),
                               OpenApiParameter("inline_assets", bool,
                                                description="joindre la première page des ouvrages exposés (petite alerte)")],
                   responses={200: ExposureRunSerializer, 202: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def exposure(self, request, pk=None):
        """Exposure of one network (`?network=SLUG`, required when the caller sees several) to this alert:
        totals, figures per commune, the impact's figures and (except for elected officials) a link
        to the paged list of the exposed assets (`assets: {count, href, ready}`): a département-wide alert
        exposes hundreds of thousands of them, drawn by the `exposure` tiles. The figures come in
        steps (services/exposure.py, run_exposure): the exposure first, then the impact
        (`impact.ready`, with `premises_cut` in totals and per commune), then the asset list.
        POST computes it now (a historic, ended alert has none until asked), for the networks the
        caller sees (or `?network=SLUG`), and answers as GET."""
        alert = self.get_object()
        principal = principal_for(request)
        slug = request.query_params.get("network")
        if request.method == "POST":
            from ..services.exposure import compute_on_request

            visible = Network.objects.restrict(principal)
            if not principal.is_superuser:  # computing is a write: crisis cell or operator roles only
                writers = [org for org in principal.roles if may_write(principal, org)]
                visible = visible.filter(Q(owner__in=writers) | Q(operator__in=writers))
            if slug:
                visible = visible.filter(slug=slug)
                if not visible.exists():
                    raise NotFound(_("réseau inconnu"))
            runs = compute_on_request(alert, list(visible))
            if not runs:
                return Response({"alert": alert.pk, "status": "none", "runs": [],
                                 "detail": str(_("aucun de vos réseaux dans la zone de l'alerte"))})
            if len(runs) > 1 and not slug:
                return Response({"alert": alert.pk, "status": "computed",
                                 "runs": [{"id": r.pk, "network": r.network.slug, "totals": r.totals} for r in runs]})
            slug = runs[0].network.slug
        networks = Network.objects.restrict(principal)
        if slug:
            network = networks.filter(slug=slug).first()
            if network is None:
                raise NotFound(_("réseau inconnu"))
        else:
            visible = list(networks[:2])
            if len(visible) != 1:
                return error_response([{"path": "network", "reason": str(_("paramètre network obligatoire"))}])
            network = visible[0]
        run = (ExposureRun.objects.restrict(principal).filter(alert=alert, network=network, status=ExposureStatus.CURRENT)
               .select_related("network").first())
        if run is None:
            # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web processes
            from ..services.exposure import touches

            # an alert pushed for a network is computed for it (networks_exposed_to): no spatial
            # test while it is; the others' test is kept a minute, the answer being polled
            # every few tenths of a second by the crisis cell's screens, each poll three spatial
            # EXISTS over a département-sized polygon, on the cores the computation needs
            if alert.lifecycle == Lifecycle.ACTIVE and not alert.network_id and not cached_touches(alert, network, touches):
                return Response({"alert": alert.pk, "network": network.slug, "status": "none", "totals": {},
                                 "per_commune": [], "assets": {"count": 0, "href": None}})
            if alert.lifecycle == Lifecycle.ACTIVE:
                return Response({"status": "pending", "alert": alert.pk, "network": network.slug,
                                 "detail": str(_("exposition en cours de calcul"))}, status=status.HTTP_202_ACCEPTED)
            raise NotFound(_("pas d'exposition pour cette alerte et ce réseau"))
        if run.network_version != network.version:
            from core import enqueue

            # imported here: networkx/numpy (service graph, impact) stay off the start-up path of web processes
            from ..tasks import compute_alert_exposure

            enqueue.send(compute_alert_exposure, (alert.pk,))
        data = ExposureRunSerializer(run).data
        # the damage model's figures for the network, beside the worst case (also in totals and per commune)
        for key in ("poles_in_area", "expected_damaged_poles", "premises_in_area", "expected_premises_cut"):
            data[key] = run.totals.get(key)
        roles = {principal.role_in(o) for o in (network.owner_id, network.operator_id)} - {None}
        aggregate_only = bool(roles) and not may_read(principal, [network.owner_id, network.operator_id])
        from ..services.exposure import compact_impact, impact_ready

        if impact_ready(run.impact):
            # compact_impact: runs stored before the per-asset lists were dropped
            data["impact"] = {**impact_answer(compact_impact(run.impact), full=_flag(request.query_params.get("full"))),
                              "ready": True}
        else:
            # the exposure is in, the impact engine still runs (services/exposure.py, run_exposure):
            # no premises_cut yet in totals and per_commune; poll again
            data["impact"] = {"ready": False, "detail": str(_("impact en cours de calcul"))}
        if not aggregate_only:
            data["assets"] = {"count": exposed_count(run), "href": assets_href(request, alert, network),
                              # false between the run's commit and its asset list's (services/exposure.py)
                              "ready": ExposedAsset.objects.filter(run=run).exists() or not exposed_count(run)}
            if _flag(request.query_params.get("inline_assets")):
                # opt-in, for a small alert: the first page of the list, inline (the page size is the list's)
                data["assets"].update(self._assets_page(request, run).data)
            from ..services.exposure_extras import extras  # e.g. power: sites fed from inside the area

            data.update(extras(alert, network))
        return Response(data)


    def _assets_page(self, request, run):
        rows = (ExposedAsset.objects.filter(run=run).only("kind", "asset_id", "code", "probability", "commune")
                .order_by("kind", "-probability", "code", "id"))
        kind = request.query_params.get("kind")
        if kind:
            if kind not in KIND_ORDER:
                raise ValidationError({"kind": [str(_("type d'ouvrage inconnu : %(k)s (%(all)s)")
                                                    % {"k": kind, "all": ", ".join(KIND_ORDER)})]})
            rows = rows.filter(kind=kind)
        paginator = ExposedAssetPagination()
        page = with_geometry(list(paginator.paginate_queryset(rows, request, view=self)))
        return paginator.get_paginated_response(ExposedAssetSerializer(page, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("network", str, description="slug du réseau"),
                               OpenApiParameter("kind", str, description="segments, supports, sites ou enclosures"),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int,
                                                                               description="200 par défaut, 5000 au plus")],
                   responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="exposure/assets", filterset_class=None, pagination_class=None)
    def exposure_assets(self, request, pk=None):
        """The exposed assets of the current exposure run, paged (GeoJSON FeatureCollection with
        `count`, `next`, `previous`), by kind (alphabetical: the index's order, so a deep page costs
        no sort) then probability (highest first) then code; `?kind=` keeps one kind. Scoped like
        the exposure: the network's owner and operator; elected officials are refused the list (403)."""
        alert = self.get_object()
        principal = principal_for(request)
        slug = request.query_params.get("network")
        networks = Network.objects.restrict(principal)
        network = networks.filter(slug=slug).first() if slug else None
        if network is None:
            visible = list(networks[:2]) if not slug else []
            if len(visible) != 1:
                raise NotFound(_("réseau inconnu"))
            network = visible[0]
        if not may_read(principal, [network.owner_id, network.operator_id]):
            raise PermissionDenied(_("Réservé aux gestionnaires du réseau : les élus voient les agrégats."))
        run = ExposureRun.objects.restrict(principal).filter(alert=alert, network=network,
                                                             status=ExposureStatus.CURRENT).first()
        if run is None:
            raise NotFound(_("pas d'exposition pour cette alerte et ce réseau"))
        return self._assets_page(request, run)

KIND_ORDER = ("sites", "segments", "supports", "enclosures")
CRITICAL_INLINE = 100  # critical sites listed in the exposure answer (most at risk first); ?full=1 for all


def cached_touches(alert: Alert, network: Network, touches) -> bool:
    """`touches(alert, network)` from the shared cache for a minute, keyed by the alert's last
    update and the network's version (either changing gives a new key); Redis away, tested each
    time (core/safe_cache.py)."""
    key = f"alert-touches:{alert.pk}:{alert.updated_at.timestamp() if alert.updated_at else 0}:{network.pk}:{network.version}"
    found = safe_cache.get(key)
    if found is None:
        found = touches(alert, network)
        safe_cache.set(key, found, 60)
    return bool(found)


def impact_answer(impact: dict, *, full: bool = False) -> dict:
    """The run's impact as the exposure answers it: without the per-commune tables (their figures
    are merged into `per_commune`) and, unless `full`, with the critical-site lists cut to the
    CRITICAL_INLINE most at risk (`…Count` gives their length): at département scale these lists
    alone are 250 kB."""
    impact = dict(impact)
    impact.pop("communes", None)
    expected = dict(impact.get("expected") or {})
    expected.pop("communes", None)
    if "expected" in impact:
        impact["expected"] = expected
    for holder, key, order in ((impact, "criticalSites", None), (expected, "criticalSitesAtRisk", "probability")):
        rows = holder.get(key)
        if not isinstance(rows, list):
            continue
        holder[key + "Count"] = len(rows)
        if not full and len(rows) > CRITICAL_INLINE:
            if order:
                rows = sorted(rows, key=lambda r: -float(r.get(order) or 0))
            holder[key] = rows[:CRITICAL_INLINE]
    return impact


def exposed_count(run: ExposureRun) -> int:
    from ..services.exposure import exposed_count as count

    return count(run.totals)


def assets_href(request, alert, network, page: int = 1) -> str:
    return request.build_absolute_uri(f"/api/v1/alerts/{alert.pk}/exposure/assets/?network={network.slug}&page={page}")


class ExposedAssetPagination(GeoJsonPagination):
    """A FeatureCollection page of the exposed assets, with `count`, `next`, `previous`. 200 a
    page by default (about 60 kB), 5 000 at most."""

    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 5000


class ExposedAssetSerializer(GeoFeatureModelSerializer):
    """One exposed asset as a GeoJSON Feature in WGS84 (its geometry read from the network's table)."""

    geometry = serializers.SerializerMethodField()

    class Meta:
        model = ExposedAsset
        geo_field = "geometry"
        fields = ["kind", "code", "probability", "commune"]

    def get_geometry(self, row) -> dict | None:
        geometry = getattr(row, "geometry_json", None)
        return json.loads(geometry) if geometry else None


def with_geometry(rows: list) -> list:
    """Attach `geometry_json` (WGS84 GeoJSON) to a page of ExposedAsset rows: one query per kind."""
    tables = {"segments": RouteSegment, "supports": SupportPoint, "sites": Site, "enclosures": Enclosure}
    by_kind: dict = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row.asset_id)
    geoms = {}
    for kind, ids in by_kind.items():
        found = tables[kind].objects.filter(pk__in=ids).annotate(g=AsGeoJSON(Transform("geom", 4326), precision=7))
        geoms.update({(kind, pk): g for pk, g in found.values_list("pk", "g")})
    for row in rows:
        row.geometry_json = geoms.get((row.kind, row.asset_id))
    return rows
