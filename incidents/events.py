"""Event types of the incidents app (registered from `IncidentsConfig.ready`): the TMF621
trouble-ticket notifications and the crisis events."""
from django.utils.translation import gettext_lazy as _

from webhooks.registry import TMF621, register_event_type

from .services import events as ticket_events

TICKET_SCHEMA = {
    "type": "object", "required": ["troubleTicket"],
    "properties": {"troubleTicket": {"type": "object", "description": "TMF621 v4 TroubleTicket",
                                     "required": ["id", "status", "severity"]}},
}
CRISIS_SCHEMA = {
    "type": "object", "required": ["crisis"],
    "properties": {"crisis": {"type": "object", "required": ["id", "name"]}},
}

TICKET_DESCRIPTIONS = {
    ticket_events.CREATE: _("Ticket d'incident créé"),
    ticket_events.STATE_CHANGE: _("Changement d'état d'un ticket"),
    ticket_events.ATTRIBUTE_VALUE_CHANGE: _("Changement d'attribut d'un ticket"),
    ticket_events.RESOLVED: _("Ticket résolu"),
    ticket_events.INFORMATION_REQUIRED: _("Information requise sur un ticket"),
    ticket_events.DELETE: _("Ticket supprimé"),
}


def register() -> None:
    for name in ticket_events.ALL:
        register_event_type(name, app="incidents", description=TICKET_DESCRIPTIONS[name], payload=TICKET_SCHEMA,
                            subject="troubleTicket:<id>", family=TMF621,
                            emitted=name != ticket_events.DELETE)  # tickets are cancelled, never deleted
    # TMF621 v4's own name for the state change: subscribable (webhooks.services.query expands it to
    # both spellings), never emitted under this name.
    register_event_type("TroubleTicketStatusChangeEvent", app="incidents",
                        description=_("Changement d'état d'un ticket (nom TMF621 v4, alias)"),
                        payload=TICKET_SCHEMA, subject="troubleTicket:<id>", family=TMF621, emitted=False)
    # Emitted by incidents.services.crisis (open_crisis / update_crisis).
    register_event_type("crisis.opened", app="incidents", description=_("Cellule de crise ouverte"),
                        payload=CRISIS_SCHEMA, subject="crisis:<id>")
    register_event_type("crisis.closed", app="incidents", description=_("Cellule de crise fermée"),
                        payload=CRISIS_SCHEMA, subject="crisis:<id>")
