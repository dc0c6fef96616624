"""Follow-up of a complex connection case: status transitions, assignment, survey facts, notes.

Every change is one transaction with its `core.audit.record` row. Forbidden transitions are
refused with a `ValidationError` on `status` naming the current and the requested status.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t

from core.audit import record
from complex_connections.models import ComplexConnection, ComplexConnectionNote, ComplexConnectionStatus
from webhooks.services.outbox import emit

from ..events import STATUS_CHANGE
from .audit import summary
from .costs import COST_FIELDS, apply_estimate, cost_model_for


def transition(case: ComplexConnection, to_status: str, *, reason: str = "", actor=None, organisation=None) -> ComplexConnection:
    S = ComplexConnectionStatus
    if to_status not in S.values:
        raise ValidationError({"status": _t("Statut inconnu : « %(to)s ».") % {"to": to_status}})
    with transaction.atomic():
        case = ComplexConnection.objects.select_for_update(of=("self",)).select_related("network", "premises").get(pk=case.pk)
        allowed = ComplexConnection.TRANSITIONS[S(case.status)]
        if to_status not in allowed:
            raise ValidationError({"status": _t(
                "Transition interdite de « %(current)s » vers « %(to)s » (possibles : %(allowed)s)."
            ) % {"current": case.status, "to": to_status, "allowed": ", ".join(sorted(allowed)) or _t("aucune")}})
        reason = (reason or "").strip()
        if to_status == S.ABANDONED and not reason:
            raise ValidationError({"reason": _t("Un abandon doit être motivé.")})
        before = summary(case)
        case.status = to_status
        if to_status == S.ABANDONED:
            case.abandon_reason = reason
        case.status_changed_at = timezone.now()
        case.save(update_fields=["status", "abandon_reason", "status_changed_at", "updated_at"])
        record(case, "update", actor=actor, organisation=organisation, before=before, after=summary(case))
        emit(
            STATUS_CHANGE,
            {"complexConnection": {"id": case.pk, "network": case.network.slug, "premises": case.premises.code,
                                   "from": before["status"], "status": case.status, "reason": case.abandon_reason}},
            organisations=[case.network.owner_id, case.network.operator_id, case.assigned_organisation_id],
            subject=f"complexConnection:{case.pk}",
        )
        if reason:
            ComplexConnectionNote.objects.create(
                case=case, author=actor if getattr(actor, "is_authenticated", False) else None, organisation=organisation,
                text=_t("%(from)s → %(to)s : %(reason)s") % {"from": before["status"], "to": to_status, "reason": reason},
            )
    return case


def update_case(case: ComplexConnection, *, actor=None, organisation=None, **changes) -> ComplexConnection:
    """Edit the follow-up fields (assigned organisation, hard surface found at survey). A change of
    `hard_surface` re-prices a live estimate (the aid tier moves to €800 at least)."""
    allowed = {"assigned_organisation", "hard_surface"}
    with transaction.atomic():
        case = ComplexConnection.objects.select_for_update().get(pk=case.pk)
        before = summary(case)
        fields = []
        for name, value in changes.items():
            if name not in allowed:
                raise ValidationError({name: _t("Champ non modifiable.")})
            setattr(case, name, value)
            fields.append(name)
        if "hard_surface" in changes and case.status in ComplexConnection.LIVE_ESTIMATE_STATUSES:
            apply_estimate(case, cost_model_for(case.network))
            fields += COST_FIELDS
        if not fields:
            return case
        case.save(update_fields=list(dict.fromkeys(fields + ["updated_at"])))
        after = summary(case)
        if after != before:
            record(case, "update", actor=actor, organisation=organisation, before=before, after=after)
    return case


def add_note(case: ComplexConnection, text: str, *, actor=None, organisation=None) -> ComplexConnectionNote:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _t("La note est vide.")})
    with transaction.atomic():
        note = ComplexConnectionNote.objects.create(
            case=case, text=text, author=actor if getattr(actor, "is_authenticated", False) else None, organisation=organisation
        )
        record(note, "create", actor=actor, organisation=organisation)
    return note
