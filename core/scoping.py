"""Row-level scoping by organisation: the mechanism (after NetBox's `utilities/querysets.py`).

It sits in `core`, the bottom layer, because every app's models use it (the audit trail too);
the policy (who holds which role where, who may write) is `organisations`' (`organisations.scoping`
builds the `Principal` of a request, `organisations.permissions` answers may-read / may-write).

Every scoped model uses `RestrictedQuerySet` as its manager and says how it hangs on an
organisation, either with `scope_lookups` (paths to Organisation foreign keys, e.g.
("network__owner", "network__operator")) or, when that is not enough, a `scope_q(org_ids)`
classmethod. `Model.objects.restrict(principal)` returns what the principal may read; an unscoped
model raises rather than leaking everything, and a missing principal sees nothing.
"""
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user acting for one organisation (API token) or for all their memberships
    (web session), with the role held in each."""

    user: object
    roles: dict = field(default_factory=dict)  # organisation id -> role
    is_superuser: bool = False
    token: object = None

    @property
    def organisation_ids(self) -> frozenset:
        return frozenset(self.roles)

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or any(role in roles for role in self.roles.values())

    def role_in(self, organisation_id) -> str | None:
        return self.roles.get(organisation_id)


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, principal: Principal | None):
        """Rows the principal may read. Superusers see every organisation."""
        if principal is None:
            return self.none()
        if principal.is_superuser:
            return self
        return self.filter(scope_q_for(self.model, principal.organisation_ids))


def scope_q_for(model, organisation_ids) -> Q:
    if hasattr(model, "scope_q"):
        return model.scope_q(organisation_ids)
    lookups = getattr(model, "scope_lookups", None)
    if not lookups:
        raise TypeError(f"{model.__name__} declares neither scope_lookups nor scope_q: it cannot be restricted")
    q = Q()
    for lookup in lookups:
        q |= Q(**{f"{lookup}__in": organisation_ids})
    return q
