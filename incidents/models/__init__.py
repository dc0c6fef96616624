from .contacts import Contact, OnCallPeriod
from .crisis import Crisis, CrisisLevel
from .crisis_log import CrisisLogEntry, LogEntryKind
from .ticket import (
    DamagedAsset, IdempotencyRecord, StatusChange, TicketAttachment, TicketNote, TicketSeverity, TicketStatus,
    TicketType, TroubleTicket,
)

__all__ = [
    "Contact", "Crisis", "CrisisLevel", "CrisisLogEntry", "DamagedAsset", "IdempotencyRecord", "LogEntryKind",
    "OnCallPeriod", "StatusChange", "TicketAttachment", "TicketNote", "TicketSeverity", "TicketStatus", "TicketType",
    "TroubleTicket",
]
