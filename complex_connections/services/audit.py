"""Audit rows for complex connections.

Single changes (a transition, a note, an edit) go through `core.audit.record`. Detection runs and
cost-model recomputations touch thousands of cases at once: they write the same `AuditEvent` rows
as `record()` would (same fields, request id, actor, organisation) but in one bulk insert.
"""
from django.contrib.contenttypes.models import ContentType

from core.models import AuditEvent
from core.request_context import request_id_var
from complex_connections.models import ComplexConnection

SUMMARY_FIELDS = ("status", "rules", "estimated_cost", "aid", "remaining_charge", "priority_score", "hard_surface",
                  "assigned_organisation_id", "abandon_reason")


def summary(case) -> dict:
    """What the audit keeps of a case: status, rules and money (JSON-safe)."""
    out = {}
    for name in SUMMARY_FIELDS:
        value = getattr(case, name)
        out[name] = str(value) if name in ("estimated_cost", "aid", "remaining_charge") else value
    return out


def bulk_audit(entries, *, actor=None, organisation=None) -> int:
    """entries: [(case, action, before, after)]. One insert for all."""
    if not entries:
        return 0

    ct = ContentType.objects.get_for_model(ComplexConnection)
    request_id = request_id_var.get() if request_id_var.get() != "-" else ""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create([
        AuditEvent(
            content_type=ct, object_id=str(case.pk), object_repr=f"Raccordement complexe {case.inputs.get('premises_code', '')}"[:200],
            action=action, actor=actor, organisation=organisation, request_id=request_id, before=before, after=after,
        )
        for case, action, before, after in entries
    ], batch_size=2000)
    return len(entries)
