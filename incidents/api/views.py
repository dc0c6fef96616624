"""Native API of the crisis cell (/api/v1/): crises, crisis log (append-only), contacts, on-call periods.

Reads and the write check come from `organisations.api.base.ScopedViewMixin` (queryset restricted
to the principal; a write role, crisis_manager, operator_agent or admin, required for any write);
the organisation a write is made for is `organisations.permissions.acting_organisation`. Elected officials read crises and contacts,
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
from organisations import permissions
from organisations.api.base import ScopedViewMixin
from organisations.models import Organisation

from ..models import Contact, Crisis, CrisisLogEntry, OnCallPeriod
from ..services.crisis import (
    append_log_entry, crisis_organisation_ids, first_writable_organisation, on_call_now, open_crisis, update_crisis,
)
from .schema import ErrorResponsesSchema
from .filtersets import ContactFilterSet, CrisisFilterSet, CrisisLogEntryFilterSet
from .serializers import (
    ContactSerializer, CrisisLogEntrySerializer, CrisisSerializer, OnCallNowSerializer, OnCallPeriodSerializer,
)


class AuditedViewSetMixin:
    """Audit each create / update with before and after snapshots."""

    def audit(self, instance, action, before=None, organisation=None):
        record(instance, action, actor=self.request.user, organisation=organisation, before=before)


class CrisisViewSet(ScopedViewMixin, AuditedViewSetMixin, viewsets.ModelViewSet):
    """Crises (*crises*) of the caller's networks or in which its organisation takes part. No deletion:
    a crisis is closed (`closed_at`)."""

    schema = ErrorResponsesSchema()
    serializer_class = CrisisSerializer
    filterset_class = CrisisFilterSet
    http_method_names = ["get", "post", "patch", "put", "head", "options"]
    queryset = Crisis.objects.prefetch_related(Prefetch("networks"), Prefetch("organisations"))
    read_action = permissions.AGGREGATE  # elected officials follow the crises of their commune

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = open_crisis(self.principal, self.request.user, networks=data.pop("networks", []),
                                          organisations=data.pop("organisations", []), **data)

    def perform_update(self, serializer):
        serializer.instance = update_crisis(serializer.instance, self.principal, self.request.user,
                                            **serializer.validated_data)

    @extend_schema(responses=OnCallNowSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="on-call", pagination_class=None, filterset_class=None)
    def on_call(self, request, pk=None):
        """Who is on call now (*d'astreinte maintenant*) in the organisations of this crisis."""
        crisis = self.get_object()
        return Response(OnCallNowSerializer(on_call_now(crisis), many=True).data)


class CrisisLogEntryViewSet(ScopedViewMixin, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    """The crisis log (*main courante*): list, read, append. Never changed nor deleted (405): a
    correction is a new entry with `corrects` set to the corrected entry."""

    schema = ErrorResponsesSchema()
    serializer_class = CrisisLogEntrySerializer
    filterset_class = CrisisLogEntryFilterSet
    http_method_names = ["get", "post", "head", "options"]
    queryset = CrisisLogEntry.objects.select_related("author", "organisation").prefetch_related("corrections")
    aggregates_denied = _("Les élus n'ont pas accès à la main courante.")

    def initial(self, request, *args, **kwargs):
        if permissions.aggregates_only(self.principal):  # before the write check: the same answer for every method
            raise exceptions.PermissionDenied(self.aggregates_denied)
        super().initial(request, *args, **kwargs)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "crisis" in getattr(serializer, "fields", {}):
            serializer.fields["crisis"].queryset = self.scope(Crisis.objects.all())
            serializer.fields["corrects"].queryset = self.scope(CrisisLogEntry.objects.all())
        return serializer

    def perform_create(self, serializer):
        principal = self.principal
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


class ContactViewSet(ScopedViewMixin, AuditedViewSetMixin, viewsets.ModelViewSet):
    """Contacts directory (*annuaire de crise*): per organisation and commune, with on-call periods.
    Each organisation writes its own contacts; partners read them."""

    schema = ErrorResponsesSchema()
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet

    queryset = Contact.objects.select_related("organisation", "commune").prefetch_related("on_call_periods")
    read_action = permissions.AGGREGATE  # partners and elected officials read the directory

    def own_organisation(self, organisation_id=None):
        candidates = [organisation_id] if organisation_id else sorted(self.principal.organisation_ids)
        org_id = self.acting_organisation(candidates, _("Seule l'organisation du contact peut modifier son annuaire."))
        return Organisation.objects.get(pk=org_id) if org_id else None

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


class OnCallPeriodViewSet(ScopedViewMixin, AuditedViewSetMixin, viewsets.ModelViewSet):
    """On-call periods (*astreintes*) of contacts."""

    schema = ErrorResponsesSchema()
    serializer_class = OnCallPeriodSerializer
    filterset_fields = ["contact"]

    queryset = OnCallPeriod.objects.select_related("contact")
    read_action = permissions.AGGREGATE

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "contact" in getattr(serializer, "fields", {}):
            serializer.fields["contact"].queryset = self.scope(Contact.objects.all())
        return serializer

    def check_own(self, contact):
        self.acting_organisation(contact.organisation_id, _("Seule l'organisation du contact peut modifier ses astreintes."))
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
