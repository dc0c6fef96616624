"""Who may read and change the power data of a network.

Read: the network's owner and operator, detail roles only (an elected official sees aggregates
elsewhere, never the sites: 403 like the impact API). Write: a write role (crisis manager,
operator agent, admin) in the owner or the operator. Networks are always found through
`Network.objects.restrict(principal)`: another operator's network is 404.
"""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from network.models import Network
from network.services.access import may_read_detail
from organisations.models import Organisation
from organisations.models.membership import WRITE_ROLES


def readable_network(principal, slug: str) -> Network:
    network = Network.objects.restrict(principal).filter(slug=slug).first()
    if network is None:
        raise Http404("network")
    if not may_read_detail(principal, network):
        raise PermissionDenied(_("Réservé aux gestionnaires du réseau."))
    return network


def writer_organisation(principal, network: Network):
    """The organisation the change is made for (None for a superuser outside both); 403 otherwise."""
    if principal is None:
        raise PermissionDenied(_("rôle en écriture requis"))
    for org_id in (network.operator_id, network.owner_id):
        if org_id is not None and principal.role_in(org_id) in WRITE_ROLES:
            return Organisation.objects.get(pk=org_id)
    if principal.is_superuser:
        return None
    raise PermissionDenied(_("rôle en écriture requis"))
