"""GraceTHD imports through the API: upload → stored file → Celery task → ImportRun with progress."""
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from network.models import ImportRun, Network
from organisations.models import Organisation
from organisations import permissions
from organisations.api.base import ScopedViewMixin

from . import import_report
from .import_serializers import ImportRunSerializer, ImportUploadSerializer


class ImportRunViewSet(ScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):
    """Imports of the caller's organisation. POST uploads a zipped GraceTHD exchange; only a crisis
    manager, an admin or an operator agent of the network's owner or operator may import."""

    serializer_class = ImportRunSerializer
    parser_classes = [MultiPartParser, FormParser]

    queryset = ImportRun.objects.select_related("organisation", "created_by")
    read_action = permissions.AGGREGATE  # a run's report is readable by every member of its organisation
    write_denied = _("Import réservé aux gestionnaires de crise, administrateurs et agents de "
                     "l'exploitant du propriétaire ou de l'exploitant du réseau.")

    def _acting_organisation(self, principal, network: Network | None, owner: str | None, operator: str | None):
        """The caller's organisation entitled to import into that network (owner or operator)."""
        if network is not None:
            candidates = [network.owner_id, network.operator_id]
        else:
            if not owner:
                raise ValidationError({"owner": [_("Le réseau n'existe pas : le syndicat propriétaire est requis pour le créer.")]})
            owner_org = Organisation.objects.filter(slug=owner).first()
            candidates = [owner_org.id] if owner_org else []
            # an operator may create a network only for a syndicate it operates for
            operator_org = Organisation.objects.filter(slug=operator, syndicates=owner_org).first() if operator and owner_org else None
            if operator_org:
                candidates.append(operator_org.id)
        candidates = [c for c in candidates if c]
        if not candidates:
            raise PermissionDenied(self.write_denied)
        return self.acting_organisation(candidates)

    @extend_schema(request=ImportUploadSerializer, responses={202: ImportRunSerializer})
    def create(self, request, *args, **kwargs):
        principal = self.principal
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        network = Network.objects.filter(slug=data["network"]).first()
        if network is not None and not Network.objects.restrict(principal).filter(pk=network.pk).exists():
            raise PermissionDenied(_("Import réservé au propriétaire ou à l'exploitant du réseau."))
        org_id = self._acting_organisation(principal, network, data.get("owner"), data.get("operator"))
        options = {k: data[k] for k in ("owner", "operator") if data.get(k)}
        with transaction.atomic():
            run = ImportRun(network=network, network_slug=data["network"], organisation_id=org_id,
                            created_by=request.user, summary={"options": options})
            run.source.save(data["file"].name, data["file"], save=False)  # stored before processing
            run.save()
            from core import enqueue

            # imported here: network.tasks pulls the GraceTHD importer (pyogrio, GDAL) into the web start-up
            from network.tasks import import_gracethd

            enqueue.on_commit(import_gracethd, run.pk)  # never raises: network.tasks.sweep_imports catches up
        return Response(ImportRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], renderer_classes=import_report.RENDERERS)
    def report(self, request, pk=None):
        """The run's quality report: every fault (rule, severity, reference, table, row, code, field,
        message, geometry). JSON (paginated), CSV or GeoJSON; filters severity, rule, table."""
        run = self.get_object()
        qs = import_report.faults(run, request.query_params)
        kind = request.accepted_renderer.format
        if kind == "csv":
            response = Response(import_report.as_csv(qs))
            response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-report.csv"'
            return response
        if kind == "geojson":
            return Response(import_report.as_geojson(qs))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([import_report.record(f) for f in page])
