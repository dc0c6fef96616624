"""Who may do what (*droits*): the one answer, for the API, the TMF621 views, the web UI and the services.

A principal (`organisations.scoping.Principal`: a user acting for one organisation through a
token, or for all their memberships in a web session) holds one role per organisation. Three
actions:

- `READ`: read the detail of what an organisation sees (tickets, cases, layers): every role but
  the aggregate-only ones (elected officials, *élus*);
- `WRITE`: change it (`WRITE_ROLES`: crisis manager, operator agent, administrator);
- `AGGREGATE`: read totals and summaries: every role, elected officials included.

The functions take the principal, the action and, optionally, a *target*: an organisation, an
organisation id, a list of them (in order of preference), or a scoped model instance (its
organisations are read from the model's `scope_lookups`, e.g. a network's owner then operator).

    may(principal, WRITE, case)                      -> bool
    acting_organisation(principal, WRITE, network)   -> organisation id in whose name to write, or None
    require(principal, WRITE, network, message)      -> the same, or PermissionDenied
    aggregates_only(principal)                       -> True for someone who only ever sees totals
    detail_principal(principal)                      -> the principal without its aggregate-only roles

A superuser may do everything; the organisation they act for is the first of the target's in
which they hold a write role, else the first of the target's. Read *scoping* (which rows) stays
`Model.objects.restrict(principal)`; `organisations.api.base.ScopedViewMixin` applies both in one
place for API views.
"""
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Organisation
from .models.membership import AGGREGATE_ONLY_ROLES, WRITE_ROLES, Role
from .scoping import Principal

READ = "read"
WRITE = "write"
AGGREGATE = "aggregate"
ACTIONS = (READ, WRITE, AGGREGATE)

ROLES_FOR = {
    READ: frozenset(Role.values) - AGGREGATE_ONLY_ROLES,
    WRITE: WRITE_ROLES,
    AGGREGATE: frozenset(Role.values),
}


def _check(action: str) -> frozenset:
    try:
        return ROLES_FOR[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}") from None


def organisation_ids(target) -> list | None:
    """The organisation ids a target stands for, in order of preference, without duplicates
    (None: no target, i.e. any of the principal's organisations)."""
    if target is None:
        return None
    if isinstance(target, Organisation):
        return [target.pk]
    if isinstance(target, int):
        return [target]
    if isinstance(target, Iterable) and not isinstance(target, (str, bytes)):
        ids = []
        for item in target:
            for org_id in organisation_ids(item) or []:
                if org_id is not None and org_id not in ids:
                    ids.append(org_id)
        return ids
    lookups = getattr(type(target), "scope_lookups", None)
    if not lookups:
        raise TypeError(f"{type(target).__name__} declares no scope_lookups: pass its organisations explicitly")
    ids = []
    for lookup in lookups:
        value = target
        *path, last = lookup.split("__")
        for name in path:
            value = getattr(value, name, None)
            if value is None:
                break
        org_id = getattr(value, f"{last}_id", None) if value is not None else None
        if org_id is not None and org_id not in ids:
            ids.append(org_id)
    return ids


def network_organisations(network) -> list:
    """Who acts on a network, in order of preference for a write: its operator (*exploitant*, who
    repairs), then its owner (*syndicat*, who coordinates). Tickets, alerts, imports use it."""
    return [network.operator_id, network.owner_id]


def may(principal: Principal | None, action: str, target=None) -> bool:
    """May the principal do `action` on `target` (or, without a target, anywhere)?"""
    roles = _check(action)
    if principal is None:
        return False
    if principal.is_superuser:
        return True
    orgs = organisation_ids(target)
    held = principal.roles.items() if orgs is None else [(o, principal.role_in(o)) for o in orgs]
    return any(role in roles for _org, role in held)


def may_read(principal, target=None) -> bool:
    return may(principal, READ, target)


def may_write(principal, target=None) -> bool:
    return may(principal, WRITE, target)


def acting_organisation(principal: Principal | None, action: str, target) -> int | None:
    """The organisation (id) in whose name the principal does `action` on `target`: the first of
    the target's organisations where it holds a role allowing it. None when there is none (and,
    for a superuser, when the target names no organisation)."""
    roles = _check(action)
    if principal is None:
        return None
    orgs = organisation_ids(target) or []
    for org_id in orgs:
        if principal.role_in(org_id) in roles:
            return org_id
    if principal.is_superuser and orgs:
        return orgs[0]
    return None


def require(principal: Principal | None, action: str, target, message=None) -> int | None:
    """`acting_organisation`, or PermissionDenied (403) with `message` when the principal may not."""
    org_id = acting_organisation(principal, action, target)
    if org_id is None and not (principal is not None and principal.is_superuser):
        raise PermissionDenied(message or _("Votre rôle ne permet pas cette modification."))
    return org_id


def detail_principal(principal: Principal | None) -> Principal | None:
    """The principal restricted to the organisations where it reads detail: its aggregate-only
    roles removed. None when nothing is left (an elected official, or nobody's member)."""
    if principal is None or principal.is_superuser:
        return principal
    roles = {org: role for org, role in principal.roles.items() if role in ROLES_FOR[READ]}
    if not roles:
        return None
    return Principal(user=principal.user, roles=roles, is_superuser=False, token=principal.token)


def aggregates_only(principal: Principal | None) -> bool:
    """True for a principal whose every role is aggregate-only (elected officials: totals and
    summaries, never operator detail)."""
    return (principal is not None and not principal.is_superuser and bool(principal.roles)
            and all(role in AGGREGATE_ONLY_ROLES for role in principal.roles.values()))


def aggregate_organisation_ids(principal: Principal | None) -> list:
    """The organisations in which the principal reads aggregates only (elected officials' communes)."""
    if principal is None:
        return []
    return [org for org, role in principal.roles.items() if role in AGGREGATE_ONLY_ROLES]
