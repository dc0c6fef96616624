"""The TMF621 v4 JSON representation of a trouble ticket (what the API returns and events carry).

Standard attributes keep their TMF names; Vigie Fibre's extension attributes are `network` (slug),
`impact`, `impactedPremises` (collective outages only) and `sla` (GTR timers). Attributes without a
value are left out, as TMF implementations do.
"""
from django.db.models import Prefetch

from ..models import DamagedAsset, TicketType, TroubleTicket
from .impact import impacted_premises
from .sla import sla_representation

TICKET_PATH = "troubleTicket"

# Every top-level attribute the representation may hold (for ?fields= validation).
ATTRIBUTES = (
    "id", "href", "@type", "@baseType", "@schemaLocation", "name", "description", "severity", "ticketType", "priority", "status",
    "statusChangeDate", "statusChangeReason", "creationDate", "lastUpdate", "expectedResolutionDate",
    "requestedResolutionDate", "resolutionDate", "externalId", "relatedEntity", "relatedParty", "note",
    "attachment", "statusChange", "network", "impact", "impactedPremises", "sla",
)
ALWAYS = ("id",)  # `fields=` returns the requested attributes plus id, nothing else
# TMF extension pattern: the ticket carries attributes of its own (network, impact, impactedPremises,
# sla), so its @type names the extended entity, @baseType the TMF one, @schemaLocation its JSON
# Schema, served by the project (incidents/api/tmf_views.py: TroubleTicketSchemaView).
EXTENDED_TYPE = "VigieFibreTroubleTicket"
SCHEMA_PATH = f"schema/{EXTENDED_TYPE}.json"


def with_details(queryset):
    """A ticket queryset with everything the representation reads, in a fixed number of queries."""
    return queryset.select_related("network__owner", "network__operator").prefetch_related(
        Prefetch("damaged_assets", queryset=DamagedAsset.objects.order_by("id")),
        "status_changes", "notes", "attachments",
    )


def load(pk) -> TroubleTicket:
    return with_details(TroubleTicket.objects.filter(pk=pk)).get()


def _clean(item: dict) -> dict:
    return {key: value for key, value in item.items() if value is not None}


def _dt(value):
    return value.isoformat() if value else None


def ticket_href(base_url: str, ticket) -> str:
    return f"{base_url}{TICKET_PATH}/{ticket.pk}"


def attachment_href(base_url: str, ticket, attachment) -> str:
    return f"{ticket_href(base_url, ticket)}/attachment/{attachment.pk}"


def party(org, role):
    return {"id": org.slug, "name": org.name, "role": role, "@referredType": "Organization"}


def attachment_representation(base_url, ticket, attachment) -> dict:
    href = attachment_href(base_url, ticket, attachment)
    return _clean({
        "id": str(attachment.pk), "href": href, "url": href, "name": attachment.name,
        "attachmentType": "picture", "mimeType": attachment.mime_type,
        "size": {"amount": attachment.size, "units": "bytes"},
        "description": attachment.description or None, "@referredType": "Attachment",
    })


def ticket_representation(ticket, base_url: str, fields=None, now=None) -> dict:
    """The TMF621 TroubleTicket of `ticket` (loaded with `with_details`); `fields` limits the attributes."""
    network = ticket.network
    parties = [party(network.owner, "owner")]
    if network.operator_id:
        parties.append(party(network.operator, "operator"))
    data = {
        "id": str(ticket.pk),
        "href": ticket_href(base_url, ticket),
        "@type": EXTENDED_TYPE,
        "@baseType": "TroubleTicket",
        "@schemaLocation": base_url.rstrip("/") + "/" + SCHEMA_PATH,
        "name": ticket.name or None,
        "description": ticket.description,
        "severity": ticket.severity,
        "ticketType": ticket.ticket_type,
        "priority": ticket.priority or None,
        "status": ticket.status,
        "statusChangeDate": _dt(ticket.status_change_date),
        "statusChangeReason": ticket.status_change_reason or None,
        "creationDate": _dt(ticket.creation_date),
        "lastUpdate": _dt(ticket.last_update),
        "expectedResolutionDate": _dt(ticket.expected_resolution_date),
        "requestedResolutionDate": _dt(ticket.requested_resolution_date),
        "resolutionDate": _dt(ticket.resolution_date),
        "externalId": ticket.external_id or None,
        "relatedEntity": [
            {"id": a.code, "name": a.code, "role": a.role, "@referredType": a.referred_type}
            for a in ticket.damaged_assets.all()
        ],
        "relatedParty": parties,
        "note": [
            _clean({"id": str(n.pk), "author": n.author, "date": _dt(n.date), "text": n.text, "@type": "Note"})
            for n in ticket.notes.all()
        ],
        "attachment": [attachment_representation(base_url, ticket, a) for a in ticket.attachments.all()],
        "statusChange": [
            _clean({"status": s.status, "changeDate": _dt(s.change_date), "changeReason": s.change_reason or None,
                    "@type": "StatusChange"})
            for s in ticket.status_changes.all()
        ],
        "network": network.slug,
        "impact": ticket.impact,
        "sla": sla_representation(ticket, now),
    }
    if ticket.ticket_type == TicketType.COLLECTIVE_OUTAGE:
        data["impactedPremises"] = impacted_premises(ticket)
    if fields:
        data = {key: value for key, value in data.items() if key in ALWAYS or key in fields}
    return {key: value for key, value in data.items() if value is not None or key == "impact"}
