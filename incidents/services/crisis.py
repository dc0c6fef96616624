"""Crisis cell services: who takes part in a crisis, who is on call now, the crisis log."""
from django.db import transaction
from django.utils import timezone

from core.audit import record
from core.models import AuditEvent
from organisations.models import Organisation

from organisations import permissions

from ..models import CrisisLogEntry, OnCallPeriod


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
