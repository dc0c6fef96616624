"""The TMF621 event types this app emits to the outbox (subject `troubleTicket:<id>`).

Note: TMF621 v4's own name for the status change notification is `TroubleTicketStatusChangeEvent`
(listener /listener/troubleTicketStatusChangeEvent); Vigie Fibre's contract names it
`TroubleTicketStateChangeEvent`. It is defined once, here.
"""
CREATE = "TroubleTicketCreateEvent"
STATE_CHANGE = "TroubleTicketStateChangeEvent"
ATTRIBUTE_VALUE_CHANGE = "TroubleTicketAttributeValueChangeEvent"
RESOLVED = "TroubleTicketResolvedEvent"
INFORMATION_REQUIRED = "TroubleTicketInformationRequiredEvent"
DELETE = "TroubleTicketDeleteEvent"  # not emitted: tickets are never deleted (cancelled instead)

ALL = (CREATE, STATE_CHANGE, ATTRIBUTE_VALUE_CHANGE, RESOLVED, INFORMATION_REQUIRED, DELETE)
