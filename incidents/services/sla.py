"""GTR timers (*garantie de temps d'intervention / de rétablissement*) of a trouble ticket.

Two timers per ticket, both started at `creation_date`, targets per severity from
settings.TROUBLE_TICKET_SLA (hours):
- timeToAcknowledge: stopped when the ticket first leaves « acknowledged » (taken in charge, or
  rejected/cancelled);
- timeToRestore: stopped at `resolution_date` (service restored), or when the ticket is cancelled or
  rejected.
The clock does not pause in pending/held (documented simplification).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..models import TicketStatus
from .lifecycle import FINAL_STATUSES

DEFAULT_SLA_HOURS = {
    "critical": {"acknowledge": 1, "restore": 4},
    "major": {"acknowledge": 2, "restore": 8},
    "minor": {"acknowledge": 4, "restore": 24},
}


def targets(severity: str) -> dict[str, timedelta]:
    table = getattr(settings, "TROUBLE_TICKET_SLA", None) or DEFAULT_SLA_HOURS
    hours = table.get(severity) or DEFAULT_SLA_HOURS.get(severity) or DEFAULT_SLA_HOURS["minor"]
    return {name: timedelta(hours=float(value)) for name, value in hours.items()}


@dataclass(frozen=True)
class Timer:
    target: timedelta
    deadline: datetime
    stopped_at: datetime | None
    now: datetime

    @property
    def breached(self) -> bool:
        return (self.stopped_at or self.now) > self.deadline

    @property
    def time_left(self) -> timedelta | None:
        """Time left before the deadline while the timer runs (negative once breached); None once stopped."""
        return None if self.stopped_at else self.deadline - self.now

    def as_tmf(self) -> dict:
        left = self.time_left
        return {
            "targetHours": self.target.total_seconds() / 3600,
            "deadline": self.deadline.isoformat(),
            "stoppedAt": self.stopped_at.isoformat() if self.stopped_at else None,
            "breached": self.breached,
            "timeLeftSeconds": int(left.total_seconds()) if left is not None else None,
        }


def timers(ticket, now: datetime | None = None) -> dict[str, Timer]:
    now = now or timezone.now()
    target = targets(ticket.severity)
    aborted = ticket.status in (TicketStatus.CANCELLED, TicketStatus.REJECTED)
    restored_at = ticket.resolution_date or (ticket.status_change_date if aborted else None)
    return {
        "timeToAcknowledge": Timer(target["acknowledge"], ticket.creation_date + target["acknowledge"], ticket.acknowledged_at, now),
        "timeToRestore": Timer(target["restore"], ticket.creation_date + target["restore"], restored_at, now),
    }


def sla_representation(ticket, now=None) -> dict:
    return {name: timer.as_tmf() for name, timer in timers(ticket, now).items()}


# A timer with less than this share of its target left is « at risk » on the dashboard.
AT_RISK_SHARE = 0.25


def sla_state(severity, status, creation_date, acknowledged_at, resolution_date, status_change_date, now) -> str | None:
    """"breached", "at_risk" or "ok" for a ticket still open (None for a closed one), from the same
    targets as incidents.services.sla, without loading the ticket."""
    if status in FINAL_STATUSES or status == TicketStatus.RESOLVED:
        return None
    target = targets(severity)
    state = "ok"
    for name, stopped in (("acknowledge", acknowledged_at), ("restore", resolution_date)):
        deadline = creation_date + target[name]
        if (stopped or now) > deadline:
            return "breached"
        if stopped is None and (deadline - now) < target[name] * AT_RISK_SHARE:
            state = "at_risk"
    return state
