import django_filters
from django.utils import timezone

from ..models import Contact, Crisis, CrisisLevel, CrisisLogEntry, LogEntryKind


class CrisisFilterSet(django_filters.FilterSet):
    network = django_filters.CharFilter(field_name="networks__slug", distinct=True)
    level = django_filters.MultipleChoiceFilter(choices=CrisisLevel.choices)
    open = django_filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull")

    class Meta:
        model = Crisis
        fields = ["network", "level", "open"]


class CrisisLogEntryFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=LogEntryKind.choices)
    organisation = django_filters.CharFilter(field_name="organisation__slug")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = CrisisLogEntry
        fields = ["crisis", "kind", "organisation", "created_after", "created_before"]


class ContactFilterSet(django_filters.FilterSet):
    organisation = django_filters.CharFilter(field_name="organisation__slug")
    commune = django_filters.CharFilter(field_name="commune__insee")
    role = django_filters.CharFilter(lookup_expr="icontains")
    on_call_now = django_filters.BooleanFilter(method="filter_on_call_now")

    class Meta:
        model = Contact
        fields = ["organisation", "commune", "role", "on_call_now"]

    def filter_on_call_now(self, queryset, name, value):
        on_call = Contact.objects.on_call(timezone.now()).values("pk")
        return queryset.filter(pk__in=on_call) if value else queryset.exclude(pk__in=on_call)
