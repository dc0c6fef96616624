"""Who may see which crisis-cell page.

Elected officials (*élus*, aggregate-only role) never see operator detail: the crisis-cell pages
work with the *operational* principal, i.e. the person's memberships without their aggregate-only
ones. Someone who is only an elected official lands on their commune summary; every other
crisis-cell page answers 403 for them.
"""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from organisations.models import Organisation, OrganisationKind
from organisations.models.membership import AGGREGATE_ONLY_ROLES, WRITE_ROLES
from organisations.scoping import Principal, principal_for


def operational_principal(principal: Principal | None) -> Principal | None:
    """The principal restricted to the organisations where it sees detail (None when none)."""
    if principal is None:
        return None
    if principal.is_superuser:
        return principal
    roles = {org: role for org, role in principal.roles.items() if role not in AGGREGATE_ONLY_ROLES}
    if not roles:
        return None
    return Principal(user=principal.user, roles=roles, is_superuser=False, token=principal.token)


def is_aggregate_only(principal: Principal | None) -> bool:
    """True for a person whose every membership is aggregate-only (an elected official)."""
    return principal is not None and bool(principal.roles) and operational_principal(principal) is None


def own_commune_insee(principal: Principal) -> str | None:
    """The INSEE code of the first commune organisation among the principal's memberships."""
    return (Organisation.objects.filter(pk__in=principal.organisation_ids, kind=OrganisationKind.COMMUNE)
            .exclude(insee_code="").order_by("pk").values_list("insee_code", flat=True).first())


def can_write(principal: Principal | None, organisation_ids=None) -> bool:
    if principal is None:
        return False
    if principal.is_superuser:
        return True
    roles = principal.roles.items()
    if organisation_ids is not None:
        roles = [(o, r) for o, r in roles if o in set(organisation_ids)]
    return any(role in WRITE_ROLES for _org, role in roles)


def crisis_cell_page(view):
    """Login required; elected officials get 403 (no operator detail); the view receives the
    operational principal as `request.vigie`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        full = principal_for(request)
        principal = operational_principal(full)
        if principal is None:  # an elected official (aggregates only), or nobody's member yet
            raise PermissionDenied("aggregates only" if is_aggregate_only(full) else "no organisation")
        request.vigie = principal
        return view(request, *args, **kwargs)

    return wrapper


def landing_for_elected(request):
    """Where an elected official lands instead of the dashboard (None for everyone else)."""
    full = principal_for(request)
    if not is_aggregate_only(full):
        return None
    insee = own_commune_insee(full)
    if insee:
        return redirect("commune-summary", insee=insee)
    raise PermissionDenied("no commune")
