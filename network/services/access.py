"""Which networks a principal may see, and in how much detail.

A syndicate sees the networks it owns, an operator the networks it operates (through
`Network.objects.restrict`), nobody else anything. Inside those, the map layers and tiles are
operator/syndicate detail (every pole, every premises): a principal holding only an
aggregate-only role (elected official, *élu*) in the owner and operator organisations sees the
network exists and its counts, never its layers.
"""
from organisations.models.membership import AGGREGATE_ONLY_ROLES
from organisations.scoping import Principal

from ..models import Network


def visible_networks(principal: Principal | None):
    """Networks the principal may know of (list, counts, extent)."""
    return Network.objects.restrict(principal)


def detail_organisation_ids(principal: Principal) -> frozenset:
    """Organisations in which the principal holds a role that may read detail (not aggregate-only)."""
    return frozenset(org for org, role in principal.roles.items() if role not in AGGREGATE_ONLY_ROLES)


def may_read_detail(principal: Principal | None, network: Network) -> bool:
    """May the principal read the network's layers and tiles?"""
    if principal is None:
        return False
    if principal.is_superuser:
        return True
    orgs = detail_organisation_ids(principal)
    return network.owner_id in orgs or (network.operator_id is not None and network.operator_id in orgs)


def detail_networks(principal: Principal | None):
    """Networks whose layers the principal may read."""
    if principal is None:
        return Network.objects.none()
    if principal.is_superuser:
        return Network.objects.all()
    orgs = detail_organisation_ids(principal)
    return Network.objects.filter(owner_id__in=orgs) | Network.objects.filter(operator_id__in=orgs)
