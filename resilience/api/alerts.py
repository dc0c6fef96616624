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
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from core.api.errors import error_response
from network.models import Enclosure, Network, RouteSegment, Site, SupportPoint
from organisations.api.base import ScopedViewMixin
from organisations.permissions import AGGREGATE, ROLES_FOR, WRITE, may_read, may_write
from organisations.scoping import principal_for

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from organisations.models import Organisation

from ..models import Alert, AlertSource, ExposureRun, ExposureStatus, Hazard, Lifecycle
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
                               OpenApiParameter("limit", int,
                                                description="ouvrages exposés par page (GeoJSON, 5000 par défaut, 50000 au plus)"),
                               OpenApiParameter("offset", int, description="rang du premier ouvrage de la page")],
                   responses={200: ExposureRunSerializer, 202: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def exposure(self, request, pk=None):
        """Exposure of one network (`?network=SLUG`, required when the caller sees several) to this alert:
        totals, figures per commune and (except for elected officials) GeoJSON of the exposed assets.
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

            if alert.lifecycle == Lifecycle.ACTIVE and not (alert.network_id and alert.network_id != network.pk) \
                    and not touches(alert, network):
                return Response({"alert": alert.pk, "network": network.slug, "status": "none", "totals": {},
                                 "per_commune": [], "assets": {"type": "FeatureCollection", "features": []}})
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
        if not aggregate_only:
            try:
                limit = int(request.query_params.get("limit", ASSETS_DEFAULT_LIMIT))
                offset = int(request.query_params.get("offset", 0))
                if not (1 <= limit <= ASSETS_MAX_LIMIT) or offset < 0:
                    raise ValueError
            except ValueError:
                return error_response([{"path": "limit", "reason": str(
                    _("limit entre 1 et %(max)d, offset positif ou nul") % {"max": ASSETS_MAX_LIMIT})}])
            data["assets"] = assets_geojson(run, limit=limit, offset=offset)
            from ..services.exposure_extras import extras  # e.g. power: sites fed from inside the area

            data.update(extras(alert, network))
        return Response(data)


ASSETS_DEFAULT_LIMIT = 5000  # features per page of the exposure's GeoJSON
ASSETS_MAX_LIMIT = 50000
KIND_ORDER = ("sites", "segments", "supports", "enclosures")


def assets_geojson(run: ExposureRun, *, limit: int = ASSETS_DEFAULT_LIMIT, offset: int = 0) -> dict:
    """One page of the exposed assets as a GeoJSON FeatureCollection in WGS84: sites, then segments,
    supports and enclosures, each by probability (highest first) then code; `count` is the total,
    `next_offset` the offset of the next page (null on the last). A département-wide alert exposes
    hundreds of thousands of assets: page through them, or draw them with the `exposure` tiles.
    One query per kind on the page's ids."""
    models = {"segments": RouteSegment, "supports": SupportPoint, "sites": Site, "enclosures": Enclosure}
    ordered = []
    for kind in KIND_ORDER:
        ordered.extend((kind, a) for a in sorted(run.assets.get(kind, []), key=lambda a: (-a["probability"], a["code"])))
    page = ordered[offset:offset + limit]
    by_kind: dict = {}
    for kind, a in page:
        by_kind.setdefault(kind, []).append(a["id"])
    geoms = {}
    for kind, ids in by_kind.items():
        rows = models[kind].objects.filter(pk__in=ids).annotate(g=AsGeoJSON(Transform("geom", 4326), precision=7))
        geoms.update({(kind, pk): g for pk, g in rows.values_list("pk", "g")})
    features = [{"type": "Feature", "geometry": json.loads(geoms[(kind, a["id"])]) if (kind, a["id"]) in geoms else None,
                 "properties": {"kind": kind, "code": a["code"], "probability": a["probability"]}}
                for kind, a in page]
    end = offset + len(page)
    return {"type": "FeatureCollection", "features": features, "count": len(ordered), "offset": offset, "limit": limit,
            "next_offset": end if end < len(ordered) else None}
