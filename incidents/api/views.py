"""Native API of the crisis cell (/api/v1/): crises, crisis log (append-only), contacts, on-call periods.

Reads go through `Model.objects.restrict(principal)`; writes need a write role (crisis_manager,
operator_agent, admin) in the organisation concerned. Elected officials read crises and contacts,
not the crisis log (operator detail).
"""
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.audit import record, snapshot
from core.models import AuditEvent
from organisations.models import Organisation
from organisations.models.membership import AGGREGATE_ONLY_ROLES, WRITE_ROLES
from organisations.scoping import principal_for

from ..models import Contact, Crisis, CrisisLogEntry, OnCallPeriod
from ..services.crisis import (
    append_log_entry, crisis_organisation_ids, first_writable_organisation, on_call_now, open_crisis, update_crisis,
)
from .schema import ErrorResponsesSchema
from .filtersets import ContactFilterSet, CrisisFilterSet, CrisisLogEntryFilterSet
from .serializers import (
    ContactSerializer, CrisisLogEntrySerializer, CrisisSerializer, OnCallNowSerializer, OnCallPeriodSerializer,
)


def _principal(request):
    principal = principal_for(request)
    if principal is None:
        raise exceptions.NotAuthenticated()
    return principal


def _require_write_role(principal):
    if not principal.has_role(*WRITE_ROLES):
        raise exceptions.PermissionDenied(_("Votre rôle ne permet que la lecture."))


class AuditedViewSetMixin:
    """Audit each create / update with before and after snapshots."""

    def audit(self, instance, action, before=None, organisation=None):
        record(instance, action, actor=self.request.user, organisation=organisation, before=before)


class CrisisViewSet(AuditedViewSetMixin, viewsets.ModelViewSet):
    """Crises (*crises*) of the caller's networks or in which its organisation takes part. No deletion:
    a crisis is closed (`closed_at`)."""

    schema = ErrorResponsesSchema()
    serializer_class = CrisisSerializer
    filterset_class = CrisisFilterSet
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        return Crisis.objects.restrict(principal_for(self.request)).prefetch_related(
            Prefetch("networks"), Prefetch("organisations")
        )

    def perform_create(self, serializer):
        principal = _principal(self.request)
        _require_write_role(principal)
        data = dict(serializer.validated_data)
        serializer.instance = open_crisis(principal, self.request.user, networks=data.pop("networks", []),
                                          organisations=data.pop("organisations", []), **data)

    def perform_update(self, serializer):
        principal = _principal(self.request)
        serializer.instance = update_crisis(serializer.instance, principal, self.request.user,
                                            **serializer.validated_data)

    @extend_schema(responses=OnCallNowSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="on-call", pagination_class=None, filterset_class=None)
    def on_call(self, request, pk=None):
        """Who is on call now (*d'astreinte maintenant*) in the organisations of this crisis."""
        crisis = self.get_object()
        return Response(OnCallNowSerializer(on_call_now(crisis), many=True).data)


class CrisisLogEntryViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    """The crisis log (*main courante*): list, read, append. Never changed nor deleted (405): a
    correction is a new entry with `corrects` set to the corrected entry."""

    schema = ErrorResponsesSchema()
    serializer_class = CrisisLogEntrySerializer
    filterset_class = CrisisLogEntryFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        principal = principal_for(request)
        if principal and not principal.is_superuser:
            if all(role in AGGREGATE_ONLY_ROLES for role in principal.roles.values()):
                raise exceptions.PermissionDenied(_("Les élus n'ont pas accès à la main courante."))

    def get_queryset(self):
        principal = principal_for(self.request)
        return (CrisisLogEntry.objects.restrict(principal)
                .select_related("author", "organisation").prefetch_related("corrections"))

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "crisis" in getattr(serializer, "fields", {}):
            serializer.fields["crisis"].queryset = Crisis.objects.restrict(principal_for(self.request))
            serializer.fields["corrects"].queryset = CrisisLogEntry.objects.restrict(principal_for(self.request))
        return serializer

    def perform_create(self, serializer):
        principal = _principal(self.request)
        data = serializer.validated_data
        crisis = data["crisis"]
        organisation = first_writable_organisation(principal, crisis_organisation_ids(crisis))
        if organisation is None:
            raise exceptions.PermissionDenied(_("Votre rôle ne permet que la lecture."))
        if crisis.closed_at is not None:
            raise exceptions.ValidationError({"crisis": [_("La crise est close.")]})
        serializer.instance = append_log_entry(
            crisis, author=self.request.user, organisation=organisation, kind=data["kind"], text=data["text"],
            linked_objects=data.get("linked_objects") or [], corrects=data.get("corrects"),
        )


class ContactViewSet(AuditedViewSetMixin, viewsets.ModelViewSet):
    """Contacts directory (*annuaire de crise*): per organisation and commune, with on-call periods.
    Each organisation writes its own contacts; partners read them."""

    schema = ErrorResponsesSchema()
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet

    def get_queryset(self):
        return (Contact.objects.restrict(principal_for(self.request))
                .select_related("organisation", "commune").prefetch_related("on_call_periods"))

    def own_organisation(self, organisation_id=None):
        principal = _principal(self.request)
        candidates = [organisation_id] if organisation_id else sorted(principal.organisation_ids)
        for org_id in candidates:
            if principal.is_superuser or principal.role_in(org_id) in WRITE_ROLES:
                return Organisation.objects.get(pk=org_id) if org_id else None
        raise exceptions.PermissionDenied(_("Seule l'organisation du contact peut modifier son annuaire."))

    def perform_create(self, serializer):
        organisation = self.own_organisation()
        if organisation is None:
            raise exceptions.ValidationError({"organisation": [_("Organisation inconnue.")]})
        with transaction.atomic():
            contact = serializer.save(organisation=organisation)
            self.audit(contact, AuditEvent.Action.CREATE, organisation=organisation)

    def perform_update(self, serializer):
        organisation = self.own_organisation(serializer.instance.organisation_id)
        before = snapshot(serializer.instance)
        with transaction.atomic():
            contact = serializer.save()
            self.audit(contact, AuditEvent.Action.UPDATE, before=before, organisation=organisation)

    def perform_destroy(self, instance):
        organisation = self.own_organisation(instance.organisation_id)
        with transaction.atomic():
            record(instance, AuditEvent.Action.DELETE, actor=self.request.user, organisation=organisation,
                   before=snapshot(instance))
            instance.delete()


class OnCallPeriodViewSet(AuditedViewSetMixin, viewsets.ModelViewSet):
    """On-call periods (*astreintes*) of contacts."""

    schema = ErrorResponsesSchema()
    serializer_class = OnCallPeriodSerializer
    filterset_fields = ["contact"]

    def get_queryset(self):
        return OnCallPeriod.objects.restrict(principal_for(self.request)).select_related("contact")

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "contact" in getattr(serializer, "fields", {}):
            serializer.fields["contact"].queryset = Contact.objects.restrict(principal_for(self.request))
        return serializer

    def check_own(self, contact):
        principal = _principal(self.request)
        if not (principal.is_superuser or principal.role_in(contact.organisation_id) in WRITE_ROLES):
            raise exceptions.PermissionDenied(_("Seule l'organisation du contact peut modifier ses astreintes."))
        return contact.organisation

    def perform_create(self, serializer):
        organisation = self.check_own(serializer.validated_data["contact"])
        with transaction.atomic():
            period = serializer.save()
            self.audit(period, AuditEvent.Action.CREATE, organisation=organisation)

    def perform_update(self, serializer):
        organisation = self.check_own(serializer.instance.contact)
        self.check_own(serializer.validated_data.get("contact", serializer.instance.contact))
        before = snapshot(serializer.instance)
        with transaction.atomic():
            period = serializer.save()
            self.audit(period, AuditEvent.Action.UPDATE, before=before, organisation=organisation)

    def perform_destroy(self, instance):
        organisation = self.check_own(instance.contact)
        with transaction.atomic():
            record(instance, AuditEvent.Action.DELETE, actor=self.request.user, organisation=organisation,
                   before=snapshot(instance))
            instance.delete()
