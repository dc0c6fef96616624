"""Creating and changing trouble tickets: one transaction per change, with its audit rows and its
outbox events (TMF621 notifications) written inside it, so a failed change leaves no trace.

Callers (the TMF views) validate the shape of the input; these functions check it against the
network (damaged asset codes) and the lifecycle, and raise `TicketInputError` with
[{"path", "reason"}] errors otherwise.
"""
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.audit import record
from core.models import AuditEvent
from network.models import Cable, Enclosure, RouteSegment, Site, SupportPoint
from webhooks.services.outbox import emit

from ..models import DamagedAsset, StatusChange, TicketAttachment, TicketNote, TicketStatus, TroubleTicket
from . import events
from .impact import refresh_ticket_impact
from .lifecycle import transition_error
from .representation import load, ticket_representation


class TicketInputError(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{e['path']}: {e['reason']}" for e in errors))
        self.errors = errors


ASSET_MODELS = {
    DamagedAsset.ReferredType.ROUTE_SEGMENT: (RouteSegment, "segment"),
    DamagedAsset.ReferredType.SUPPORT_POINT: (SupportPoint, "support"),
    DamagedAsset.ReferredType.SITE: (Site, "site"),
    DamagedAsset.ReferredType.ENCLOSURE: (Enclosure, "enclosure"),
    DamagedAsset.ReferredType.CABLE: (Cable, "cable"),
}

# Attributes a PATCH may change (TMF name -> model field); note, relatedEntity and status apart.
SIMPLE_ATTRIBUTES = {
    "name": "name", "description": "description", "severity": "severity", "ticketType": "ticket_type",
    "priority": "priority", "expectedResolutionDate": "expected_resolution_date",
    "requestedResolutionDate": "requested_resolution_date", "externalId": "external_id",
}


@dataclass
class Actor:
    """Who makes the change: the user, the organisation they act for, a display name for notes."""

    user: object
    organisation: object
    base_url: str
    name: str = field(default="")


def resolve_damaged_assets(network, entities: list[dict], path="relatedEntity") -> list[DamagedAsset]:
    """Unsaved DamagedAsset rows for `entities` ({"id", "@referredType", "role"}), one query per type;
    unknown codes are all named in one TicketInputError."""
    wanted: dict[str, set] = {}
    for entity in entities:
        wanted.setdefault(entity["@referredType"], set()).add(entity["id"])
    found = {}
    for referred_type, codes in wanted.items():
        model, _fk = ASSET_MODELS[referred_type]
        for obj in model.objects.filter(network=network, code__in=codes):
            found[(referred_type, obj.code)] = obj
    errors, assets, seen = [], [], set()
    for index, entity in enumerate(entities):
        key = (entity["@referredType"], entity["id"])
        if key not in found:
            errors.append({"path": f"{path}.{index}.id",
                           "reason": f"unknown {key[0]} code '{key[1]}' in network '{network.slug}'"})
            continue
        if key in seen:
            continue
        seen.add(key)
        _model, fk = ASSET_MODELS[key[0]]
        assets.append(DamagedAsset(referred_type=key[0], code=key[1], role=entity.get("role") or "damaged",
                                   **{fk: found[key]}))
    if errors:
        raise TicketInputError(errors)
    return assets


def _set_assets(ticket, assets):
    ticket.damaged_assets.all().delete()
    for asset in assets:
        asset.ticket = ticket
    DamagedAsset.objects.bulk_create(assets)


def _emit(event_type, ticket, actor):
    fresh = load(ticket.pk)
    organisations = [fresh.network.owner_id, fresh.network.operator_id]
    return emit(event_type, {"troubleTicket": ticket_representation(fresh, actor.base_url)},
                organisations=organisations, subject=f"troubleTicket:{ticket.pk}")


def _audit(instance, action, actor, before=None, after=None):
    return record(instance, action, actor=actor.user, organisation=actor.organisation, before=before, after=after)


def _add_status_change(ticket, status, reason, actor, when):
    change = StatusChange.objects.create(ticket=ticket, status=status, change_date=when, change_reason=reason,
                                         author=actor.user if getattr(actor.user, "pk", None) else None)
    _audit(change, AuditEvent.Action.CREATE, actor)
    return change


def _add_notes(ticket, notes, actor, when):
    created = []
    for note in notes:
        obj = TicketNote.objects.create(ticket=ticket, author=note.get("author") or actor.name, text=note["text"],
                                        user=actor.user if getattr(actor.user, "pk", None) else None, date=when)
        _audit(obj, AuditEvent.Action.CREATE, actor)
        created.append(obj)
    return created


@transaction.atomic
def create_ticket(network, values: dict, entities: list[dict], notes: list[dict], actor: Actor) -> TroubleTicket:
    """Create an « acknowledged » ticket with its damaged assets, first status change, notes and impact.
    `values` are model field values (description, severity, ticket_type, ...)."""
    assets = resolve_damaged_assets(network, entities)
    now = timezone.now()
    ticket = TroubleTicket.objects.create(
        network=network, status=TicketStatus.ACKNOWLEDGED, creation_date=now, last_update=now,
        status_change_date=now, created_by=actor.user if getattr(actor.user, "pk", None) else None,
        created_by_organisation=actor.organisation, **values,
    )
    _set_assets(ticket, assets)
    _add_status_change(ticket, TicketStatus.ACKNOWLEDGED, "", actor, now)
    _add_notes(ticket, notes, actor, now)
    refresh_ticket_impact(ticket)
    _audit(ticket, AuditEvent.Action.CREATE, actor, after=ticket_representation(load(ticket.pk), actor.base_url))
    _emit(events.CREATE, ticket, actor)
    return ticket


def _entities_of(ticket) -> list[dict]:
    return [{"id": a.code, "@referredType": a.referred_type, "role": a.role} for a in ticket.damaged_assets.order_by("id")]


@transaction.atomic
def patch_ticket(ticket_id, patch: dict, actor: Actor) -> tuple[TroubleTicket, list[str]]:
    """Apply a validated JSON merge patch (TMF attribute names, already typed). Returns the ticket and
    the event types emitted. The row is locked for the change: concurrent patches apply in turn."""
    ticket = TroubleTicket.objects.select_for_update().get(pk=ticket_id)
    now = timezone.now()
    before, after = {}, {}
    emitted = []

    for attribute, field_name in SIMPLE_ATTRIBUTES.items():
        if attribute not in patch:
            continue
        value = patch[attribute]
        if value is None and field_name in ("name", "priority", "external_id"):
            value = ""
        old = getattr(ticket, field_name)
        if old != value:
            before[attribute] = old.isoformat() if hasattr(old, "isoformat") else old
            after[attribute] = value.isoformat() if hasattr(value, "isoformat") else value
            setattr(ticket, field_name, value)

    if "relatedEntity" in patch:
        old_entities = _entities_of(ticket)
        new_assets = resolve_damaged_assets(ticket.network, patch["relatedEntity"] or [])
        new_entities = [{"id": a.code, "@referredType": a.referred_type, "role": a.role} for a in new_assets]
        if new_entities != old_entities:
            before["relatedEntity"], after["relatedEntity"] = old_entities, new_entities
            _set_assets(ticket, new_assets)

    new_notes = [n for n in (patch.get("note") or []) if not n.get("id")]
    known = {str(pk) for pk in ticket.notes.values_list("pk", flat=True)}
    unknown = [i for i, n in enumerate(patch.get("note") or []) if n.get("id") and str(n["id"]) not in known]
    if unknown:
        raise TicketInputError([{"path": f"note.{i}.id", "reason": "unknown note: existing notes cannot be edited, "
                                 "send new notes without an id"} for i in unknown])
    if new_notes:
        after["note"] = [n["text"] for n in new_notes]

    status_changed = False
    requested = patch.get("status")
    if requested is not None and requested != ticket.status:
        reason = transition_error(ticket.status, requested)
        if reason:
            raise TicketInputError([{"path": "status", "reason": reason}])
        before["status"], after["status"] = ticket.status, requested
        if ticket.status == TicketStatus.ACKNOWLEDGED and ticket.acknowledged_at is None:
            ticket.acknowledged_at = now
        ticket.status = requested
        ticket.status_change_date = now
        ticket.status_change_reason = patch.get("statusChangeReason") or ""
        if requested == TicketStatus.RESOLVED:
            ticket.resolution_date = patch.get("resolutionDate") or now
        elif requested == TicketStatus.IN_PROGRESS and before["status"] == TicketStatus.RESOLVED:
            ticket.resolution_date = None  # the fix did not hold: the restore timer runs again
        status_changed = True
    elif patch.get("resolutionDate") is not None:
        if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            raise TicketInputError([{"path": "resolutionDate",
                                     "reason": f"only set when the ticket is resolved (status is '{ticket.status}')"}])
        before["resolutionDate"], after["resolutionDate"] = _iso(ticket.resolution_date), _iso(patch["resolutionDate"])
        ticket.resolution_date = patch["resolutionDate"]
    elif "statusChangeReason" in patch and requested is None:
        raise TicketInputError([{"path": "statusChangeReason", "reason": "only given together with a new status"}])

    if not before and not after:
        return ticket, emitted

    ticket.last_update = now
    ticket.save()
    if status_changed:
        _add_status_change(ticket, ticket.status, ticket.status_change_reason, actor, now)
    _add_notes(ticket, new_notes, actor, now)
    if "relatedEntity" in after:
        refresh_ticket_impact(ticket)
    _audit(ticket, AuditEvent.Action.UPDATE, actor, before=before, after=after)

    if set(after) - {"status"}:
        emitted.append(events.ATTRIBUTE_VALUE_CHANGE)
    if status_changed:
        emitted.append(events.STATE_CHANGE)
        if ticket.status == TicketStatus.RESOLVED:
            emitted.append(events.RESOLVED)
        elif ticket.status == TicketStatus.PENDING:
            emitted.append(events.INFORMATION_REQUIRED)
    for event_type in emitted:
        _emit(event_type, ticket, actor)
    return ticket, emitted


def _iso(value):
    return value.isoformat() if value else None


@transaction.atomic
def add_attachment(ticket_id, uploaded, mime_type: str, description: str, actor: Actor) -> TicketAttachment:
    """Store a checked photo under MEDIA_ROOT/troubleTickets/<id>/ and list it in the ticket."""
    ticket = TroubleTicket.objects.select_for_update().get(pk=ticket_id)
    attachment = TicketAttachment(
        ticket=ticket, name=uploaded.name[:200], mime_type=mime_type, size=uploaded.size, description=description,
        uploaded_by=actor.user if getattr(actor.user, "pk", None) else None,
    )
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[mime_type]
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", uploaded, save=False)
    try:
        attachment.save()
        ticket.last_update = timezone.now()
        ticket.save(update_fields=["last_update"])
        # explicit `after`: core.audit.snapshot cannot serialise a FieldFile
        _audit(attachment, AuditEvent.Action.CREATE, actor, after={
            "ticket": ticket.pk, "file": attachment.file.name, "name": attachment.name,
            "mime_type": attachment.mime_type, "size": attachment.size, "description": attachment.description,
        })
        _audit(ticket, AuditEvent.Action.UPDATE, actor, before={}, after={"attachment": [attachment.name]})
        _emit(events.ATTRIBUTE_VALUE_CHANGE, ticket, actor)
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
