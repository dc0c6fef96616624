"""Which networks a principal may see, and in how much detail.

A syndicate sees the networks it owns, an operator the networks it operates (through
`Network.objects.restrict`), nobody else anything. Inside those, the map layers and tiles are
operator/syndicate detail (every pole, every premises): a principal holding only an
aggregate-only role (elected official, *élu*) in the owner and operator organisations sees the
network exists and its counts, never its layers.
"""
from organisations import permissions
from organisations.scoping import Principal

from ..models import Network


def visible_networks(principal: Principal | None):
    """Networks the principal may know of (list, counts, extent)."""
    return Network.objects.restrict(principal)


def may_read_detail(principal: Principal | None, network: Network) -> bool:
    """May the principal read the network's layers and tiles? (`permissions.may(READ)`)"""
    return permissions.may_read(principal, [network.owner_id, network.operator_id])


def detail_networks(principal: Principal | None):
    """Networks whose layers the principal may read."""
    if principal is None:
        return Network.objects.none()
    if principal.is_superuser:
        return Network.objects.all()
    detail = permissions.detail_principal(principal)
    if detail is None:
        return Network.objects.none()
    orgs = detail.organisation_ids
    return Network.objects.filter(owner_id__in=orgs) | Network.objects.filter(operator_id__in=orgs)
