"""/api/v1/complex-connections/: complex connection cases (*raccordements complexes*).

    GET  /complex-connections/?network=SLUG&commune=&rule=&status=&critical=&min_cost=&max_cost=&bbox=
    GET  /complex-connections/?format=csv   or   /complex-connections/export.csv   (same filters)
    GET  /complex-connections/totals/?network=SLUG&group=commune|network
    GET  /complex-connections/geojson/?network=SLUG&bbox=minlon,minlat,maxlon,maxlat   (EPSG:4326)
    GET  /complex-connections/{id}/            PATCH (assigned_organisation, hard_surface)
    POST /complex-connections/{id}/transition/ {"status", "reason"}
    GET|POST /complex-connections/{id}/notes/  {"text"}
    GET|POST /complex-connections/{id}/attachments/  multipart "file"

Scoping: the network's owner and operator, and the assigned organisation, see the cases; anybody
else sees nothing (empty list, 404). Elected officials see totals only: those of their commune
(commune organisation, by INSEE code) or of their organisation's networks.
"""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _t
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from complex_connections.models import ComplexConnection
from complex_connections.services import attachments as attachment_service
from complex_connections.services import export, workflow
from organisations.api.base import ScopedViewMixin
from organisations.models import Organisation, OrganisationKind
from organisations.permissions import aggregate_organisation_ids, detail_principal
from organisations.scoping import Principal, scope_q_for

from .filtersets import ComplexConnectionFilterSet
from .serializers import (
    ComplexConnectionAttachmentSerializer, ComplexConnectionDetailSerializer, ComplexConnectionNoteSerializer,
    ComplexConnectionSerializer, ComplexConnectionUpdateSerializer, TotalsQuerySerializer, TransitionSerializer,
)


class CSVRenderer(renderers.BaseRenderer):
    """Lets `?format=csv` select the CSV export; the rows themselves are streamed by the view."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data)  # errors only: the export streams its own body


def totals_queryset(principal: Principal | None):
    """Cases whose totals the principal may see: its detail scope, plus for elected officials the
    cases of their commune (commune organisation) or of their organisation's networks."""
    if principal is None:
        return ComplexConnection.objects.none()
    if principal.is_superuser:
        return ComplexConnection.objects.all()
    q = Q(pk__in=[])
    detail = detail_principal(principal)
    if detail is not None:
        q |= scope_q_for(ComplexConnection, detail.organisation_ids)
    aggregate_orgs = aggregate_organisation_ids(principal)
    if aggregate_orgs:
        orgs = list(Organisation.objects.filter(pk__in=aggregate_orgs).values("pk", "kind", "insee_code"))
        communes = [o["insee_code"] for o in orgs if o["kind"] == OrganisationKind.COMMUNE and o["insee_code"]]
        others = [o["pk"] for o in orgs if o["kind"] != OrganisationKind.COMMUNE]
        if communes:
            q |= Q(premises__commune_id__in=communes)
        if others:
            q |= scope_q_for(ComplexConnection, others)
    return ComplexConnection.objects.filter(q)


class ComplexConnectionViewSet(ScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                               viewsets.GenericViewSet):
    """Complex connection cases of the networks the caller may see. Read scoping and the write
    check come from ScopedViewMixin; totals are the aggregate-only view (elected officials)."""

    queryset = ComplexConnection.objects.all()
    write_denied = _t("Votre rôle ne permet pas de modifier ce dossier.")
    aggregates_denied = _t("Les élus n'ont accès qu'aux synthèses (totaux).")
    filterset_class = ComplexConnectionFilterSet
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def scope(self, queryset):
        if self.action == "totals":  # AGGREGATE: elected officials read the totals of their commune
            return totals_queryset(self.principal)
        return super().scope(queryset)

    def get_queryset(self):
        qs = super().get_queryset()
        qs = qs.select_related("network", "premises", "premises__commune", "assigned_organisation")
        if self.action == "retrieve":
            qs = qs.prefetch_related("notes__author", "notes__organisation", "attachments")
        return qs

    def get_serializer_class(self):
        return ComplexConnectionDetailSerializer if self.action == "retrieve" else ComplexConnectionSerializer

    def _writable(self, case):
        """The organisation in whose name the caller changes the case (owner, operator, assigned)."""
        org_id = self.acting_organisation(case)
        return Organisation.objects.get(pk=org_id) if org_id is not None else None

    @staticmethod
    def _refused(error: DjangoValidationError):
        raise ValidationError(error.message_dict if hasattr(error, "message_dict") else {"": error.messages})

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) == "csv":
            return self.export_csv(request)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ComplexConnectionUpdateSerializer, responses=ComplexConnectionDetailSerializer)
    def partial_update(self, request, pk=None):
        case = self.get_object()
        org = self._writable(case)
        data = ComplexConnectionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "assigned_organisation" in changes:
            slug = changes["assigned_organisation"]
            if slug is None:
                changes["assigned_organisation"] = None
            else:
                target = Organisation.objects.restrict(self.principal).filter(slug=slug).first()
                if target is None:
                    raise ValidationError({"assigned_organisation": [_t("Organisation inconnue : « %s ».") % slug]})
                changes["assigned_organisation"] = target
        try:
            case = workflow.update_case(case, actor=request.user, organisation=org, **changes)
        except DjangoValidationError as error:
            self._refused(error)
        return Response(ComplexConnectionDetailSerializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(request=TransitionSerializer, responses=ComplexConnectionDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the case in its workflow; forbidden moves are refused naming both statuses."""
        case = self.get_object()
        org = self._writable(case)
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            workflow.transition(case, body.validated_data["status"], reason=body.validated_data["reason"],
                                actor=request.user, organisation=org)
        except DjangoValidationError as error:
            self._refused(error)
        return Response(ComplexConnectionDetailSerializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(request=ComplexConnectionNoteSerializer, responses=ComplexConnectionNoteSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def notes(self, request, pk=None):
        case = self.get_object()
        if request.method == "POST":
            org = self._writable(case)
            try:
                note = workflow.add_note(case, request.data.get("text", ""), actor=request.user, organisation=org)
            except DjangoValidationError as error:
                self._refused(error)
            return Response(ComplexConnectionNoteSerializer(note).data, status=status.HTTP_201_CREATED)
        notes = case.notes.select_related("author", "organisation")
        return Response(ComplexConnectionNoteSerializer(notes, many=True).data)

    @extend_schema(responses=ComplexConnectionAttachmentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        case = self.get_object()
        if request.method == "POST":
            org = self._writable(case)
            try:
                attachment = attachment_service.attach(case, request.FILES.get("file"), actor=request.user, organisation=org)
            except DjangoValidationError as error:
                self._refused(error)
            return Response(ComplexConnectionAttachmentSerializer(attachment, context={"request": request}).data,
                            status=status.HTTP_201_CREATED)
        return Response(ComplexConnectionAttachmentSerializer(case.attachments.all(), many=True,
                                                              context={"request": request}).data)

    @extend_schema(parameters=[OpenApiParameter("group", str, enum=["network", "commune"])])
    @action(detail=False, methods=["get"])
    def totals(self, request):
        """Cases, estimated cost, aid and remaining charge per network or per commune."""
        query = TotalsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = self.filter_queryset(self.get_queryset())
        return Response({
            "group": query.validated_data["group"],
            "results": export.totals(qs, query.validated_data["group"]),
            "total": export.overall(qs),
        })

    @action(detail=False, methods=["get"])
    def geojson(self, request):
        """The cases as a map layer: points at their premises, EPSG:4326."""
        return Response(export.geojson(self.filter_queryset(self.get_queryset())))

    def export_csv(self, request):
        """CSV of the filtered cases (routed in urls.py as /complex-connections/export.csv)."""
        qs = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(export.csv_rows(qs), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="raccordements-complexes.csv"'
        return response
