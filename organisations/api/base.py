"""The base of every scoped API view (after NetBox's `BaseViewSet.initial`): read scoping from the
view's queryset, write check from one declaration, both in one place.

    class ContactViewSet(ScopedViewMixin, viewsets.ModelViewSet):
        queryset = Contact.objects.select_related("organisation")   # scoped here, never by hand
        read_action = READ                  # AGGREGATE for totals that elected officials may read
        write_denied = _("Votre rôle ne permet que la lecture.")

        def perform_create(self, serializer):
            org = self.acting_organisation(serializer.validated_data["network"])  # 403 if not writable
            ...

- `get_queryset()` returns `queryset.restrict(principal)`, with the principal cut down to its
  detail roles for `read_action = READ` (elected officials get 403 with `aggregates_denied`, or
  an empty list when `aggregates_denied` is None);
- `initial()` refuses an unsafe method (POST, PUT, PATCH, DELETE) with 403 when the principal holds
  no write role at all (`write_action`), before any body is parsed; the per-object decision (in
  whose name, on this network or case) is `self.acting_organisation(target)`;
- `self.principal` is the request's principal (`organisations.scoping.principal_for`).
"""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from .. import permissions as perms
from ..scoping import principal_for


class ScopedViewMixin:
    read_action = perms.READ
    write_action = perms.WRITE
    write_denied = _("Votre rôle ne permet que la lecture.")
    aggregates_denied = _("Les élus n'ont accès qu'aux agrégats, pas au détail.")

    @property
    def principal(self):
        return principal_for(self.request)

    def read_principal(self):
        """The principal whose rows this view lists (its detail roles for READ views)."""
        principal = self.principal
        if self.read_action != perms.READ:
            return principal
        detail = perms.detail_principal(principal)
        if detail is None and principal is not None and self.aggregates_denied is not None \
                and perms.aggregates_only(principal):
            raise exceptions.PermissionDenied(self.aggregates_denied)
        return detail

    def get_queryset(self):
        return self.scope(super().get_queryset())

    def scope(self, queryset):
        """`queryset` restricted to what the principal may read (the one place views scope)."""
        return queryset.restrict(self.read_principal())

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in permissions.SAFE_METHODS and self.write_action is not None \
                and not perms.may(self.principal, self.write_action):
            raise exceptions.PermissionDenied(self.write_denied)

    def acting_organisation(self, target, message=None):
        """The organisation id in whose name the caller writes on `target` (403 when it may not)."""
        try:
            return perms.require(self.principal, self.write_action or perms.WRITE, target,
                                 message or self.write_denied)
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied) or self.write_denied) from None
