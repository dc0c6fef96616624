"""What a subscriber receives: the TMF621 notification envelope, for every event type.

    {"eventId": "<uuid>", "eventTime": "2026-11-25T02:30:12.123456+00:00",
     "eventType": "TroubleTicketStateChangeEvent", "sequence": 3, "subject": "troubleTicket:42",
     "event": {"troubleTicket": {...}}}

`sequence` numbers the events of one `subject` (1, 2, 3…): deliveries of one subject are made in
that order. The body is compact UTF-8 JSON; its exact bytes are what the signature covers.
"""
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder


def envelope(event) -> dict:
    return {
        "eventId": str(event.id),
        "eventTime": event.created_at.astimezone(UTC).isoformat(),
        "eventType": event.event_type,
        "sequence": event.sequence,
        "subject": event.subject,
        "event": event.payload,
    }


def body_bytes(data: dict) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
