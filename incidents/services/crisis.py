"""Crisis cell services: opening, changing and closing a crisis (audited, with the `crisis.opened` /
`crisis.closed` outbox events), who takes part in a crisis, who is on call now, the crisis log.

The API (incidents/api/views.py) and the crisis-cell pages (frontend/crisis_views.py) both go
through `open_crisis` / `update_crisis`, so the rules, the audit trail and the events are the same.
"""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record, snapshot
from core.models import AuditEvent
from organisations import permissions
from organisations.models import Organisation
from webhooks.services.outbox import emit

from ..models import Crisis, CrisisLogEntry, OnCallPeriod

CRISIS_FIELDS = ("name", "level", "opened_at", "closed_at", "alert_ids", "significant", "awareness_time")


def crisis_payload(crisis) -> dict:
    """The `event` payload of the crisis events: `{"crisis": {...}}` (subject `crisis:<id>`)."""
    return {"crisis": {
        "id": crisis.pk, "name": crisis.name, "level": crisis.level,
        "opened_at": crisis.opened_at.isoformat(), "closed_at": crisis.closed_at.isoformat() if crisis.closed_at else None,
        "networks": sorted(crisis.networks.values_list("slug", flat=True)),
        "organisations": sorted(crisis.organisations.values_list("slug", flat=True)),
        "alert_ids": list(crisis.alert_ids or []), "significant": crisis.significant,
        "awareness_time": crisis.awareness_time.isoformat() if crisis.awareness_time else None,
    }}


def emit_crisis_event(crisis, event_type: str) -> None:
    """Outbox event for the crisis's organisations (inside the change's transaction)."""
    emit(event_type, crisis_payload(crisis), organisations=crisis_organisation_ids(crisis), subject=f"crisis:{crisis.pk}")


def open_crisis(principal, actor, *, networks=(), organisations=(), **fields) -> Crisis:
    """Open a crisis (*ouvrir la cellule de crise*): the caller's write-role organisations take part,
    audited, `crisis.opened` emitted (or `crisis.closed` too if it is recorded already closed)."""
    if not permissions.may_write(principal):
        raise PermissionDenied(_("Votre rôle ne permet que la lecture."))
    with transaction.atomic():
        crisis = Crisis.objects.create(created_by=actor if getattr(actor, "pk", None) else None,
                                       **{k: v for k, v in fields.items() if k in CRISIS_FIELDS})
        crisis.networks.set(networks)
        crisis.organisations.set(organisations)
        own = [org for org in principal.organisation_ids if permissions.may_write(principal, org)]
        crisis.organisations.add(*own)
        organisation = first_writable_organisation(principal, crisis_organisation_ids(crisis))
        if organisation is None:
            raise PermissionDenied(_("Votre organisation ne participe pas à cette crise."))
        record(crisis, AuditEvent.Action.CREATE, actor=actor, organisation=organisation)
        emit_crisis_event(crisis, "crisis.opened")
        if crisis.closed_at is not None:
            emit_crisis_event(crisis, "crisis.closed")
    return crisis


def update_crisis(crisis, principal, actor, **changes) -> Crisis:
    """Change a crisis (level, networks, organisations, linked alerts, NIS2 flag, closing), audited
    with before/after; `crisis.closed` when it gets a `closed_at`, `crisis.opened` when reopened."""
    organisation = first_writable_organisation(principal, crisis_organisation_ids(crisis))
    if organisation is None:
        raise PermissionDenied(_("Votre rôle ne permet que la lecture."))
    was_open = crisis.closed_at is None
    before = snapshot(crisis)
    with transaction.atomic():
        for name in CRISIS_FIELDS:
            if name in changes:
                setattr(crisis, name, changes[name])
        crisis.save()
        if "networks" in changes:
            crisis.networks.set(changes["networks"])
        if "organisations" in changes:
            crisis.organisations.set(changes["organisations"])
        record(crisis, AuditEvent.Action.UPDATE, actor=actor, organisation=organisation, before=before)
        if was_open and crisis.closed_at is not None:
            emit_crisis_event(crisis, "crisis.closed")
        elif not was_open and crisis.closed_at is None:
            emit_crisis_event(crisis, "crisis.opened")
    return crisis


def close_crisis(crisis, principal, actor, at=None) -> Crisis:
    """Close the crisis (*lever la cellule de crise*) now or at `at`."""
    return update_crisis(crisis, principal, actor, closed_at=at or timezone.now())


def crisis_organisation_ids(crisis) -> set:
    """The participating organisations plus the owners and operators of the crisis's networks."""
    ids = set(crisis.organisations.values_list("pk", flat=True))
    for owner, operator in crisis.networks.values_list("owner_id", "operator_id"):
        ids.update(i for i in (owner, operator) if i)
    return ids


def on_call_now(crisis, at=None) -> list[dict]:
    """The contacts of the crisis's organisations with an on-call period covering `at` (default now),
    one row per contact and period, ordered by organisation and name (one query)."""
    at = at or timezone.now()
    periods = (
        OnCallPeriod.objects.filter(starts_at__lte=at, ends_at__gt=at,
                                    contact__organisation__in=crisis_organisation_ids(crisis))
        .select_related("contact__organisation", "contact__commune")
        .order_by("contact__organisation__name", "contact__name", "ends_at")
    )
    return [
        {
            "contact": p.contact.pk, "organisation": p.contact.organisation.slug,
            "commune": p.contact.commune.insee if p.contact.commune_id else None,
            "name": p.contact.name, "role": p.contact.role, "phone": p.contact.phone, "email": p.contact.email,
            "until": p.ends_at,
        }
        for p in periods
    ]


@transaction.atomic
def append_log_entry(crisis, *, author, organisation, kind, text, linked_objects=(), corrects=None) -> CrisisLogEntry:
    """Append one entry to the crisis log (a correction names the entry it corrects), audited."""
    entry = CrisisLogEntry.objects.create(
        crisis=crisis, author=author if getattr(author, "pk", None) else None, organisation=organisation, kind=kind,
        text=text, linked_objects=list(linked_objects), corrects=corrects,
    )
    record(entry, AuditEvent.Action.CREATE, actor=author, organisation=organisation)
    return entry


def first_writable_organisation(principal, organisation_ids):
    """The first of `organisation_ids` (by id) in whose name the principal may write (None if none)."""
    org_id = permissions.acting_organisation(principal, permissions.WRITE, sorted(organisation_ids))
    return Organisation.objects.get(pk=org_id) if org_id is not None else None
