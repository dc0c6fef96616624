"""Power API: state of a network's active sites, supply edits, operator declarations, outages,
dispatch. Thin views over power.services; networks through access.readable_network (scoped)."""
import json

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import error_response
from network.models import Network, Site
from organisations.scoping import principal_for

from ..models import MobileGenerator, OutageRaw, PowerOutage
from ..services import dispatch, prediction
from ..services.access import readable_network, writer_organisation
from ..services.outages import OutageError, end_outage, ingest_json, reject, store_raw
from ..services.supplies import SupplyError, declare_state, supply_for, update_supply
from .serializers import DeclareStateSerializer, SupplyPatchSerializer


def _at(request):
    raw = request.query_params.get("at")
    if not raw:
        return None, None
    at = parse_datetime(raw.replace(" ", "+"))  # an unencoded "+" of the offset arrives as a space
    if at is None or at.tzinfo is None:
        return None, error_response([{"path": "at", "reason": _("date et heure ISO 8601 avec fuseau attendues")}])
    return at, None


def site_json(row: dict) -> dict:
    row = {k: v for k, v in row.items() if not k.startswith("_") and k not in ("episode", "supply_id")}
    return prediction.as_json(row)


class NetworkPowerView(APIView):
    """GET: the power state of the network's active sites (`?at=` ISO time, now by default)."""

    @extend_schema(parameters=[OpenApiParameter("at", OpenApiTypes.DATETIME)], responses=OpenApiTypes.OBJECT)
    def get(self, request, slug):
        network = readable_network(principal_for(request), slug)
        at, error = _at(request)
        if error:
            return error
        state = prediction.network_power_state(network, at)
        state["sites"] = [site_json(r) for r in state["sites"]]
        return Response(prediction.as_json(state))


class PowerSiteView(APIView):
    """GET / PATCH the supply of one active site (`battery_hours`, `generator`, `fuel_hours`, …)."""

    def _site(self, request, slug, code):
        network = readable_network(principal_for(request), slug)
        return network, get_object_or_404(Site.objects.filter(network=network), code=code)

    def _row(self, network, code):
        return next((site_json(r) for r in prediction.site_rows(network) if r["code"] == code), None)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, slug, code):
        network, site = self._site(request, slug, code)
        row = self._row(network, code)
        if row is None:
            return error_response([{"path": "", "reason": _("pas d'alimentation renseignée pour ce site")}],
                                  status.HTTP_404_NOT_FOUND)
        return Response(row)

    @extend_schema(request=SupplyPatchSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request, slug, code):
        principal = principal_for(request)
        network, site = self._site(request, slug, code)
        org = writer_organisation(principal, network)
        s = SupplyPatchSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        changes = dict(s.validated_data)
        if "mobile_generator" in changes and changes["mobile_generator"] is not None:
            fleet = MobileGenerator.objects.filter(network=network, pk=changes["mobile_generator"]).first()
            if fleet is None:
                return error_response([{"path": "mobile_generator", "reason": _("groupe mobile inconnu sur ce réseau")}])
            changes["mobile_generator"] = fleet
        try:
            update_supply(supply_for(site), changes, actor=request.user, organisation=org)
        except SupplyError as exc:
            return error_response(exc.errors)
        return Response(self._row(network, code))


class PowerSiteStateView(APIView):
    """POST an operator's declaration: `{"state": "dark"|"restored", "at", "comment"}`."""

    @extend_schema(request=DeclareStateSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, slug, code):
        principal = principal_for(request)
        network = readable_network(principal, slug)
        site = get_object_or_404(Site.objects.filter(network=network), code=code)
        org = writer_organisation(principal, network)
        s = DeclareStateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        supply = supply_for(site)
        if supply.pk is None:
            update_supply(supply, {}, actor=request.user, organisation=org)
        declare_state(supply, s.validated_data["state"], at=s.validated_data.get("at"),
                      comment=s.validated_data.get("comment", ""), actor=request.user, organisation=org)
        row = next(site_json(r) for r in prediction.site_rows(network) if r["code"] == code)
        return Response(row, status=status.HTTP_201_CREATED)


class DispatchView(APIView):
    """GET the generator dispatch plan (`?horizon=` hours, `?at=`)."""

    @extend_schema(parameters=[OpenApiParameter("horizon", float), OpenApiParameter("at", OpenApiTypes.DATETIME)],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request, slug):
        network = readable_network(principal_for(request), slug)
        at, error = _at(request)
        if error:
            return error
        try:
            horizon = float(request.query_params.get("horizon") or 0) or None
            if horizon is not None and not (0 < horizon <= 240):
                raise ValueError
        except ValueError:
            return error_response([{"path": "horizon", "reason": _("horizon en heures, entre 0 et 240")}])
        return Response(prediction.as_json(dispatch.plan(network, at=at, horizon_hours=horizon)))


def outage_json(o: PowerOutage) -> dict:
    return prediction.as_json({
        "id": o.pk, "network": o.network.slug, "source": o.source, "reference": o.reference,
        "communes": [c.insee for c in o.communes.all()], "start": o.start, "expected_end": o.expected_end,
        "ended_at": o.ended_at, "raw": o.raw_id,
    })


class PowerOutageListView(APIView):
    """GET outages (`?network=`, `?current=1`); POST one outage `{"network", "communes" | "geometry",
    "start", "expected_end", "source", "reference"}` (or a list / `{"outages": [...]}` for one network)."""

    @extend_schema(operation_id="api_v1_power_outages_list",
                   parameters=[OpenApiParameter("network", str), OpenApiParameter("current", bool)],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request):
        qs = PowerOutage.objects.restrict(principal_for(request)).select_related("network").prefetch_related("communes")
        if request.query_params.get("network"):
            qs = qs.filter(network__slug=request.query_params["network"])
        if request.query_params.get("current") in ("1", "true"):
            from django.utils import timezone

            qs = qs.current(timezone.now())
        return Response({"results": [outage_json(o) for o in qs[:500]]})

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        principal = principal_for(request)
        body = request.body
        raw = store_raw(body, "api", content_type=request.content_type or "", origin="api")  # kept before anything
        try:
            try:
                data = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise OutageError([{"path": "", "reason": _("JSON illisible : %(e)s") % {"e": exc}}])
            first = data[0] if isinstance(data, list) and data else data
            slug = first.get("network") if isinstance(first, dict) else None
            if not slug or not isinstance(slug, str):
                raise OutageError([{"path": "network", "reason": _("réseau obligatoire (identifiant court)")}])
            network = Network.objects.restrict(principal).filter(slug=slug).first()
            if network is None:
                raise OutageError([{"path": "network", "reason": _("réseau inconnu : %(s)s") % {"s": slug}}])
            try:
                org = writer_organisation(principal, network)
            except PermissionDenied as exc:
                raise OutageError([{"path": "", "reason": str(exc)}], status=403)
            OutageRaw.objects.filter(pk=raw.pk).update(submitted_by=org)
            outages = ingest_json(body, network, organisation=org, actor=request.user,
                                  default_source=org.slug if org else "api", raw=raw)
        except OutageError as exc:
            if exc.raw is None:
                reject(raw, exc)
            return error_response(exc.errors, exc.status)
        result = [outage_json(o) for o in outages]
        return Response(result[0] if len(result) == 1 and not isinstance(data, list) else {"results": result},
                        status=status.HTTP_201_CREATED)


class PowerOutageDetailView(APIView):
    """GET one outage; POST …/end/ ends it (the grid is back)."""

    def _outage(self, request, pk):
        return get_object_or_404(PowerOutage.objects.restrict(principal_for(request)).select_related("network"), pk=pk)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        return Response(outage_json(self._outage(request, pk)))


class PowerOutageEndView(PowerOutageDetailView):
    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk):
        outage = self._outage(request, pk)
        org = writer_organisation(principal_for(request), outage.network)
        with transaction.atomic():
            end_outage(outage, actor=request.user, organisation=org)
        return Response(outage_json(outage))
