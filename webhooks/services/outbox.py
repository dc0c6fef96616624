"""The one way to send an event out: `emit()` inside the transaction of the change.

    from webhooks.services.outbox import emit
    with transaction.atomic():
        ticket.save()
        emit("TroubleTicketStateChangeEvent", {"troubleTicket": tmf_repr}, organisations=[owner_id, operator_id],
             subject=f"troubleTicket:{ticket.pk}")

Delivery (subscriptions, signatures, retries) is scheduled after commit by the webhooks app.
"""
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max

from ..models import OutboxEvent
from ..registry import get_event_type

# Called after commit with the new event; the delivery machinery registers itself here.
after_commit_hooks: list = []


def emit(event_type: str, payload: dict, *, organisations: Iterable, subject: str = "") -> OutboxEvent:
    """Write an event to the outbox (must be called inside the change's transaction).

    event_type: a registered type (`webhooks.registry.register_event_type`); anything else raises
    `UnregisteredEventType` before a row is written.

    organisations: Organisation instances or ids allowed to read the subject.
    subject: a stable name of the object ("troubleTicket:42"); events of one subject get increasing
    sequence numbers (a transaction-level advisory lock on the subject makes concurrent emits of one
    subject safe, including the very first one, when there is no row yet to lock).
    """
    get_event_type(event_type)  # raises UnregisteredEventType
    org_ids = sorted({getattr(o, "pk", o) for o in organisations if o is not None})
    sequence = 1
    if subject:
        # Serialise emits per subject until the change commits (released with the transaction).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7412))", [subject])
        sequence = (OutboxEvent.objects.filter(subject=subject).aggregate(m=Max("sequence"))["m"] or 0) + 1
    event = OutboxEvent.objects.create(
        event_type=event_type, payload=payload, organisation_ids=org_ids, subject=subject, sequence=sequence
    )
    for hook in after_commit_hooks:
        transaction.on_commit(lambda hook=hook, event_id=event.pk: hook(event_id))
    return event
