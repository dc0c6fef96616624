"""The audit trail through the API (NIS2: every change traceable): `/api/v1/audit/`, CSV export.

Read by the `auditor` and `admin` roles. An organisation reads the changes made by its own people
(events are scoped to the acting organisation); a superuser reads everything.
"""
import csv

import django_filters
from django.http import StreamingHttpResponse
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action

from core.models import AuditEvent
from organisations.models import Role
from organisations.permissions import AGGREGATE
from organisations.scoping import principal_for

from .base import ScopedViewMixin
import json

AUDIT_ROLES = (Role.AUDITOR, Role.ADMIN)
CSV_FIELDS = ["id", "created_at", "action", "object_type", "object_id", "object_repr", "actor", "organisation",
              "request_id", "before", "after"]


class CanReadAudit(permissions.BasePermission):
    message = "reading the audit trail needs the auditor or admin role"

    def has_permission(self, request, view):
        principal = principal_for(request)
        return principal is not None and principal.has_role(*AUDIT_ROLES)


class AuditEventSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "action", "object_type", "object_id", "object_repr", "actor", "organisation",
                  "request_id", "before", "after"]

    def get_object_type(self, event) -> str:
        return f"{event.content_type.app_label}.{event.content_type.model}"


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.CharFilter(method="filter_object_type", help_text="app.model, e.g. incidents.troubleticket")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    actor = django_filters.CharFilter(field_name="actor__username")

    class Meta:
        model = AuditEvent
        fields = ["action", "object_id", "request_id"]

    def filter_object_type(self, queryset, name, value):
        app_label, _, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)


class AuditEventViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    """Audit events, newest first; `export.csv` streams the same filtered list as CSV."""

    serializer_class = AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, CanReadAudit]
    filterset_class = AuditEventFilter

    queryset = AuditEvent.objects.select_related("content_type", "actor", "organisation")
    read_action = AGGREGATE  # who reads is CanReadAudit's (auditor, admin); which rows, the organisation's

    @action(detail=False, methods=["get"], url_path="export.csv")
    def export_csv(self, request):
        events = self.filter_queryset(self.get_queryset())

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())
        serializer = self.get_serializer

        def rows():
            yield writer.writerow(CSV_FIELDS)
            for event in events.iterator(chunk_size=2000):
                data = serializer(event).data
                yield writer.writerow([data[f] if f not in ("before", "after") else _json(data[f]) for f in CSV_FIELDS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
