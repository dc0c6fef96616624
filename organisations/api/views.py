from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Organisation
from ..permissions import AGGREGATE
from .base import ScopedViewMixin
from ..scoping import principal_for
from .serializers import MeSerializer, OrganisationSerializer


class OrganisationViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    """Organisations the caller may see: its own and its partners (operator ↔ syndicates)."""

    serializer_class = OrganisationSerializer
    lookup_field = "slug"
    filterset_fields = ["kind"]

    queryset = Organisation.objects.prefetch_related(Prefetch("syndicates", queryset=Organisation.objects.only("slug")))
    read_action = AGGREGATE  # every member reads its organisation and partners


class MeView(APIView):
    """Who the caller is and for which organisation(s) and role(s) it acts."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        principal = principal_for(request)
        orgs = Organisation.objects.filter(pk__in=principal.organisation_ids).only("slug", "name", "kind")
        data = {
            "username": request.user.get_username(),
            "is_superuser": principal.is_superuser,
            "organisations": [
                {"slug": o.slug, "name": o.name, "kind": o.kind, "role": principal.role_in(o.pk)} for o in orgs
            ],
        }
        return Response(MeSerializer(data).data)
