"""Removing a network and everything that hangs on it (*suppression d'un réseau*), in one
transaction, audited. Refused while tickets that are still open reference it, unless forced
(then its tickets go with it, closed or not)."""
from django.db import transaction
from django.db.models.deletion import ProtectedError

from core.audit import record
from core.models import AuditEvent
from network.models import DeliveredTable, ImportRun, Network, Premises

from .generator.target import clear

CLOSED_TICKET_STATUSES = ("resolved", "closed", "cancelled", "rejected")


class DeleteRefused(Exception):
    """`path` and `reason` as in the API's error shape."""

    def __init__(self, path: str, reason: str):
        super().__init__(reason)
        self.path, self.reason = path, reason


def delete_network(network: Network, force: bool = False, actor=None, organisation=None) -> dict:
    """Delete `network`; returns what was removed (counts)."""
    from incidents.models import TroubleTicket

    with transaction.atomic():
        net = Network.objects.select_for_update().get(pk=network.pk)
        tickets = TroubleTicket.objects.filter(network=net)
        open_tickets = list(tickets.exclude(status__in=CLOSED_TICKET_STATUSES).values_list("pk", flat=True)[:20])
        if open_tickets and not force:
            raise DeleteRefused("network", f"{len(open_tickets)} ticket(s) ouvert(s) sur le réseau {net.slug} "
                                           f"(ids {', '.join(map(str, open_tickets))}) : --force pour supprimer quand même")
        counts = {"premises": Premises.objects.filter(network=net).count(),
                  "tickets": tickets.count(), "imports": ImportRun.objects.filter(network=net).count(),
                  "delivered_tables": DeliveredTable.objects.filter(network=net).count()}
        before = {"slug": net.slug, "name": net.name, "owner": net.owner.slug, "version": net.version,
                  "force": force, **counts}
        try:
            tickets.delete()
            clear(net)
            record(net, AuditEvent.Action.DELETE, actor=actor, organisation=organisation, before=before)
            net.delete()
        except ProtectedError as exc:
            raise DeleteRefused("network", f"encore référencé ailleurs : {exc.protected_objects and type(next(iter(exc.protected_objects))).__name__}") from exc
        return counts
