"""The trouble ticket lifecycle (*cycle de vie*), TMF621 v4 states as the operators' Interop'Fibre
practice uses them:

    acknowledged ──► inProgress ◄──► pending / held
         │               │  ▲             │
         │               ▼  │ (fix did not hold)
         │           resolved ──► closed
         ├──► rejected
         └──► cancelled ◄── inProgress / pending / held

closed, cancelled and rejected are final.
"""
from ..models import TicketStatus as S

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.REJECTED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.PENDING, S.HELD, S.RESOLVED, S.CANCELLED}),
    S.PENDING: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.HELD: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
}
FINAL_STATUSES = frozenset({S.CLOSED, S.CANCELLED, S.REJECTED})


def transition_error(current: str, requested: str) -> str | None:
    """None when current → requested is allowed, otherwise the reason (naming both statuses)."""
    if requested not in S.values:
        return f"unknown status '{requested}' (allowed: {', '.join(S.values)})"
    if requested in ALLOWED_TRANSITIONS[current]:
        return None
    allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current])) or "none, the status is final"
    return f"transition from '{current}' to '{requested}' is not allowed (from '{current}': {allowed})"
