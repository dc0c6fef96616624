"""Which network a layer or tile request is about (`?network=SLUG`), with the errors the caller
can act on: 400 when the caller sees several networks and named none, 404 when the network is
unknown or not theirs (the same answer, so a slug's existence does not leak), 403 when they see it
only as aggregates (elected officials: layers are operator/syndicate detail)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

from organisations.scoping import principal_for

from ..services.access import detail_networks, may_read_detail, visible_networks


class FieldError(exceptions.ValidationError):
    """An error naming its parameter (`{"errors": [{"path": field, ...}]}`) with any status."""

    def __init__(self, field: str, reason, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__({field: [reason]})
        self.status_code = status_code


def network_for(request, slug: str | None = None):
    """The network named by `?network=` (or the caller's only one), readable in detail."""
    principal = principal_for(request)
    slug = slug if slug is not None else request.query_params.get("network")
    if slug:
        network = visible_networks(principal).filter(slug=slug).first()
        if network is None:
            raise FieldError("network", _("Réseau inconnu : « %(slug)s ».") % {"slug": slug}, status.HTTP_404_NOT_FOUND)
        if not may_read_detail(principal, network):
            raise FieldError("network", _("Votre rôle ne donne accès qu'aux agrégats de ce réseau, pas à ses couches."),
                             status.HTTP_403_FORBIDDEN)
        return network
    candidates = list(detail_networks(principal).distinct()[:2])
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise FieldError("network", _("Paramètre obligatoire : vous voyez plusieurs réseaux, précisez ?network=SLUG."))
    if visible_networks(principal).exists():
        raise FieldError("network", _("Votre rôle ne donne accès qu'aux agrégats de ce réseau, pas à ses couches."),
                         status.HTTP_403_FORBIDDEN)
    raise FieldError("network", _("Aucun réseau visible pour votre organisation."), status.HTTP_404_NOT_FOUND)
