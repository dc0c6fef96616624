"""API of restoration (/api/v1/): the restoration outlook of a crisis, crews, field damage reports.

Thin views: the logic is in services/plan.py and services/reports.py. Reads go through
`restrict(principal)`; errors are `{"errors": [{"path", "reason"}]}`.
"""
import json

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import error_response
from incidents.models import Crisis
from incidents.services.attachments import AttachmentRefused, check_photo
from organisations.models import Organisation
from organisations.models.membership import WRITE_ROLES
from organisations.scoping import principal_for

from ..models import Crew, DamageReport
from ..services.plan import restoration_outlook
from ..services.reports import ReportRefused, dismiss, file_report, network_for_report, parse_point, triage_to_ticket
from .serializers import CrewSerializer, DamageReportSerializer, outlook_json


def _principal(request):
    principal = principal_for(request)
    if principal is None:
        raise exceptions.NotAuthenticated()
    return principal


class RestorationView(APIView):
    """`GET /api/v1/crises/<id>/restoration/`: `curve` (premises without service, predicted and
    actual, over time), `communes` (`insee`, `eta_p50`, `eta_p90`…), `plan` (repairs in order),
    `teams`, `totals`. Optional `?at=` (ISO 8601) to see the outlook as it stood then."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        principal = _principal(request)
        crisis = get_object_or_404(Crisis.objects.restrict(principal), pk=pk)
        at = None
        if request.query_params.get("at"):
            from django.utils.dateparse import parse_datetime

            at = parse_datetime(request.query_params["at"])
            if at is None or at.tzinfo is None:
                return error_response([{"path": "at", "reason": _("date ISO 8601 avec fuseau attendue")}])
        return Response(outlook_json(restoration_outlook(crisis, at)))


class CrewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                  viewsets.GenericViewSet):
    """Repair crews of the caller's organisations (`POST` with a write role: the token's organisation)."""

    serializer_class = CrewSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Crew.objects.restrict(principal_for(self.request)).select_related("organisation")

    def _writable(self, principal):
        orgs = [o for o, r in principal.roles.items() if r in WRITE_ROLES]
        if not orgs:
            raise exceptions.PermissionDenied(_("Votre rôle ne permet que la lecture."))
        return Organisation.objects.get(pk=sorted(orgs)[0])

    def perform_create(self, serializer):
        from core.audit import record

        crew = serializer.save(organisation=self._writable(_principal(self.request)))
        record(crew, "create", actor=self.request.user, organisation=crew.organisation)

    def perform_update(self, serializer):
        from core.audit import record, snapshot

        principal = _principal(self.request)
        if not principal.is_superuser and principal.role_in(serializer.instance.organisation_id) not in WRITE_ROLES:
            raise exceptions.PermissionDenied(_("Votre rôle ne permet que la lecture."))
        before = snapshot(serializer.instance)
        crew = serializer.save()
        record(crew, "update", actor=self.request.user, organisation=crew.organisation, before=before)


class DamageReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Field damage reports (*signalements*). `POST` JSON `{"network", "kind", "location": <GeoJSON
    Point>, "comment"}` or multipart with the same fields (`location` as GeoJSON text) and `photo`.
    `POST <id>/ticket/` turns the report's group into a ticket; `POST <id>/dismiss/` `{"reason"}`."""

    serializer_class = DamageReportSerializer
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        qs = DamageReport.objects.restrict(principal_for(self.request)).select_related(
            "network", "organisation", "commune", "reported_by")
        for name in ("network", "status", "kind"):
            value = self.request.query_params.get(name)
            if value:
                qs = qs.filter(**({"network__slug": value} if name == "network" else {name: value}))
        return qs

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: DamageReportSerializer})
    def create(self, request):
        principal = _principal(request)
        data = request.data
        location = data.get("location")
        if isinstance(location, str):
            try:
                location = json.loads(location)
            except ValueError:
                return error_response([{"path": "location", "reason": _("GeoJSON illisible")}])
        photo, mime = request.FILES.get("photo"), ""
        try:
            network = network_for_report(principal, data.get("network"))
            point = parse_point(location)
            if photo is not None:
                try:
                    mime = check_photo(photo)
                except AttachmentRefused as exc:
                    return error_response([{"path": "photo", "reason": str(exc)}], exc.status_code)
            report = file_report(principal, network, data.get("kind"), point, data.get("comment") or "",
                                 photo=photo, photo_mime_type=mime)
        except ReportRefused as exc:
            return error_response(exc.errors, exc.status)
        return Response(DamageReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def ticket(self, request, pk=None):
        report = self.get_object()
        try:
            ticket = triage_to_ticket(_principal(request), report, base_url=request.build_absolute_uri("/")[:-1])
        except ReportRefused as exc:
            return error_response(exc.errors, exc.status)
        return Response({"ticket": ticket.pk, "href": f"/tmf-api/troubleTicket/v4/troubleTicket/{ticket.pk}",
                         "relatedEntity": [{"id": a.code, "@referredType": a.referred_type}
                                           for a in ticket.damaged_assets.order_by("id")],
                         "reports": list(report.__class__.objects.filter(ticket=ticket).values_list("pk", flat=True))},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: DamageReportSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        report = self.get_object()
        try:
            report = dismiss(_principal(request), report, request.data.get("reason"))
        except ReportRefused as exc:
            return error_response(exc.errors, exc.status)
        return Response(DamageReportSerializer(report).data)
