"""What a network's deletion must know of the tickets (registered from `IncidentsConfig.ready` into
network.services.network_delete, which may not import this app): open tickets refuse it unless
forced; every ticket of the network goes with it."""
from network.services.network_delete import register_dependent

from .models import TicketStatus, TroubleTicket

CLOSED_TICKET_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED, TicketStatus.REJECTED)


def _guard(network) -> str | None:
    open_tickets = list(TroubleTicket.objects.filter(network=network).exclude(status__in=CLOSED_TICKET_STATUSES)
                        .values_list("pk", flat=True)[:20])
    if not open_tickets:
        return None
    return (f"{len(open_tickets)} ticket(s) ouvert(s) sur le réseau {network.slug} "
            f"(ids {', '.join(map(str, open_tickets))})")


def _purge(network) -> int:
    return TroubleTicket.objects.filter(network=network).delete()[0]


def _count(network) -> int:
    return TroubleTicket.objects.filter(network=network).count()


def register() -> None:
    register_dependent("tickets", guard=_guard, purge=_purge, count=_count)
