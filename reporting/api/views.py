"""Situation reports and NIS2 drafts of a crisis under /api/v1/crises/<id>/.

The crisis is read through `Crisis.objects.restrict(principal)` (404 outside the caller's scope);
publishing a report and editing a NIS2 draft need a write role in one of the crisis's
organisations (403). Elected officials (aggregate-only) read the reports without the crisis log
and do not see the NIS2 drafts.
"""
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from incidents.models import Crisis
from incidents.services.crisis import crisis_organisation_ids, first_writable_organisation
from organisations.permissions import aggregates_only
from organisations.scoping import principal_for

from ..models import Nis2Stage, SituationReport
from ..services import export, nis2
from ..services.sitreps import publish_sitrep


def _principal(request):
    principal = principal_for(request)
    if principal is None:
        raise exceptions.NotAuthenticated()
    return principal


def aggregate_only(principal) -> bool:
    return aggregates_only(principal)


def scoped_crisis(request, crisis_id) -> Crisis:
    return get_object_or_404(Crisis.objects.restrict(_principal(request)), pk=crisis_id)


def writer_organisation(request, crisis):
    organisation = first_writable_organisation(_principal(request), crisis_organisation_ids(crisis))
    if organisation is None:
        raise exceptions.PermissionDenied(_("Votre rôle ne permet que la lecture."))
    return organisation


class SitRepSummarySerializer(serializers.ModelSerializer):
    totals = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = SituationReport
        fields = ["id", "crisis", "number", "at", "trigger", "previous", "created_at", "emailed_at", "totals", "links"]

    def get_totals(self, obj) -> dict:
        return obj.figures.get("totals", {})

    def get_links(self, obj) -> dict:
        request = self.context.get("request")
        kw = {"crisis_id": obj.crisis_id, "pk": obj.pk}
        return {fmt: reverse(f"sitrep-{fmt}", kwargs=kw, request=request) for fmt in ("pdf", "csv", "json")}


class SitRepCreateSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text=_("Situation à cette heure (par défaut : maintenant)."))


class SitRepListView(APIView):
    """`GET`: the crisis's situation reports, newest first. `POST {"at"?}`: publish one now → 201."""

    @extend_schema(responses=SitRepSummarySerializer(many=True))
    def get(self, request, crisis_id):
        crisis = scoped_crisis(request, crisis_id)
        reports = SituationReport.objects.filter(crisis=crisis).order_by("-number")
        return Response(SitRepSummarySerializer(reports, many=True, context={"request": request}).data)

    @extend_schema(request=SitRepCreateSerializer, responses={201: SitRepSummarySerializer})
    def post(self, request, crisis_id):
        crisis = scoped_crisis(request, crisis_id)
        organisation = writer_organisation(request, crisis)
        data = SitRepCreateSerializer(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        report = publish_sitrep(crisis, actor=request.user, organisation=organisation, at=data.validated_data.get("at"))
        return Response(SitRepSummarySerializer(report, context={"request": request}).data, status=status.HTTP_201_CREATED)


class SitRepExportView(APIView):
    """One situation report as `pdf`, `csv` (one row per commune) or `json`."""

    fmt = "json"

    def report(self, request, crisis_id, pk):
        crisis = scoped_crisis(request, crisis_id)
        return get_object_or_404(SituationReport.objects.select_related("crisis"), crisis=crisis, pk=pk)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, crisis_id, pk):
        report = self.report(request, crisis_id, pk)
        figures = report.figures
        if aggregate_only(_principal(request)):
            figures = export.aggregates_only(figures)
        name = f"point-de-situation-{report.crisis_id}-{report.number}"
        if self.fmt == "pdf":
            response = HttpResponse(export.as_pdf(report, figures, base_url=request.build_absolute_uri("/")),
                                    content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
            return response
        if self.fmt == "csv":
            response = HttpResponse(export.as_csv(report), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        return Response(export.as_json(report, figures))


class Nis2View(APIView):
    """NIS2 drafts of a crisis: `early_warning`, `notification`, `final_report`, each with `due` (ISO),
    `state` (`due_in`, `overdue`, `sent`, `not_applicable`), `sent_at` and `fields` (prefilled from
    the crisis, overridden by what was written)."""

    def crisis(self, request, crisis_id):
        if aggregate_only(_principal(request)):
            raise exceptions.PermissionDenied(_("Les élus n'ont pas accès aux notifications NIS2."))
        return scoped_crisis(request, crisis_id)

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="crisis_nis2_list")
    def get(self, request, crisis_id):
        return Response(nis2.nis2_document(self.crisis(request, crisis_id)))


class Nis2StageSerializer(serializers.Serializer):
    fields = serializers.DictField(required=False, help_text=_("Champs modifiés du brouillon."))
    sent = serializers.BooleanField(required=False, allow_null=True,
                                    help_text=_("true : transmis au CSIRT maintenant ; false : pas encore transmis."))


class Nis2StageView(Nis2View):
    """One NIS2 draft: `GET` it, `PATCH {"fields": {...}, "sent"?: bool}` to edit it."""

    def stage(self, stage):
        if stage not in Nis2Stage.values:
            raise exceptions.NotFound()
        return stage

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="crisis_nis2_stage")
    def get(self, request, crisis_id, stage):
        return Response(nis2.nis2_document(self.crisis(request, crisis_id))[self.stage(stage)])

    @extend_schema(request=Nis2StageSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request, crisis_id, stage):
        crisis = self.crisis(request, crisis_id)
        stage = self.stage(stage)
        organisation = writer_organisation(request, crisis)
        data = Nis2StageSerializer(data=request.data if isinstance(request.data, dict) else None)
        data.is_valid(raise_exception=True)
        try:
            nis2.save_draft(crisis, stage, data.validated_data.get("fields") or {}, sent=data.validated_data.get("sent"),
                            actor=request.user, organisation=organisation)
        except ValueError as exc:
            raise serializers.ValidationError({"fields": {k: [v] for k, v in exc.args[0].items()}}) from exc
        return Response(nis2.nis2_document(crisis)[stage])


class Nis2ExportView(Nis2StageView):
    """One NIS2 draft as the document to file: `json` or `pdf`."""

    fmt = "json"

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, crisis_id, stage):
        crisis = self.crisis(request, crisis_id)
        stage = self.stage(stage)
        if self.fmt == "pdf":
            response = HttpResponse(nis2.stage_pdf(crisis, stage, base_url=request.build_absolute_uri("/")),
                                    content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="nis2-{stage}-{crisis.pk}.pdf"'
            return response
        doc = nis2.nis2_document(crisis)
        part = doc[stage]
        response = Response({"directive": "(EU) 2022/2555 art. 23", "crisis": crisis.pk, "incident": crisis.name,
                             "significant": doc["significant"], "awareness_time": doc["awareness_time"], **part})
        response["Content-Disposition"] = f'attachment; filename="nis2-{stage}-{crisis.pk}.json"'
        return response
