"""Who may see which crisis-cell page.

Elected officials (*élus*, aggregate-only role) never see operator detail: the crisis-cell pages
work with the detail principal (`organisations.permissions.detail_principal`: the person's
memberships without their aggregate-only ones). Someone who is only an elected official lands on their commune summary; every other
crisis-cell page answers 403 for them.
"""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from organisations.models import Organisation, OrganisationKind
from organisations.permissions import aggregates_only, detail_principal
from organisations.scoping import Principal, principal_for


def own_commune_insee(principal: Principal) -> str | None:
    """The INSEE code of the first commune organisation among the principal's memberships."""
    return (Organisation.objects.filter(pk__in=principal.organisation_ids, kind=OrganisationKind.COMMUNE)
            .exclude(insee_code="").order_by("pk").values_list("insee_code", flat=True).first())


def crisis_cell_page(view):
    """Login required; elected officials get 403 (no operator detail); the view receives the
    operational principal as `request.vigie`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        full = principal_for(request)
        principal = detail_principal(full)
        if principal is None:  # an elected official (aggregates only), or nobody's member yet
            raise PermissionDenied("aggregates only" if aggregates_only(full) else "no organisation")
        request.vigie = principal
        return view(request, *args, **kwargs)

    return wrapper


def landing_for_elected(request):
    """Where an elected official lands instead of the dashboard (None for everyone else)."""
    full = principal_for(request)
    if not aggregates_only(full):
        return None
    insee = own_commune_insee(full)
    if insee:
        return redirect("commune-summary", insee=insee)
    raise PermissionDenied("no commune")
