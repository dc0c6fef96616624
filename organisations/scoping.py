"""The one way views read organisation-scoped objects (after NetBox's RestrictedQuerySet).

Every scoped model uses `RestrictedQuerySet` as its manager and says how it hangs on an
organisation, either with `scope_lookups` (paths to Organisation foreign keys, e.g.
("network__owner", "network__operator")) or, when that is not enough, a `scope_q(org_ids)`
classmethod. Views call `Model.objects.restrict(principal)`; an unscoped model raises rather
than leaking everything, and a missing principal sees nothing.

The mechanism (`Principal`, `RestrictedQuerySet`, `scope_q_for`) lives in `core.scoping`, the
bottom layer, and is re-exported here; this module adds the policy: who a request's principal is.
"""
from core.scoping import Principal, RestrictedQuerySet, scope_q_for

__all__ = ["Principal", "RestrictedQuerySet", "principal_for", "scope_q_for"]


def principal_for(request) -> Principal | None:
    """The principal of a Django or DRF request (cached on the request)."""
    cached = getattr(request, "_vigie_principal", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    # imported here: organisations.models imports this module's RestrictedQuerySet: a real cycle
    from .models import ApiToken, Membership

    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        principal = Principal(user=user, roles={token.organisation_id: token.role},
                              is_superuser=user.is_superuser, token=token)
    else:
        roles = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        principal = Principal(user=user, roles=roles, is_superuser=user.is_superuser)
    try:
        request._vigie_principal = principal
    except AttributeError:
        pass
    return principal
