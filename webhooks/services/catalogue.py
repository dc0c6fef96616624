"""The event types a subscription can ask for (*catalogue des événements*), and who emits them.

TMF621 trouble-ticket events come from the incidents app (payload `{"troubleTicket": …}`, subject
`troubleTicket:<id>`); the others from alerts, exposure and crisis management. The catalogue is
what the API validates `event_types` and `eventType=` against, and what it lists to partners.
"""
from django.utils.translation import gettext_lazy as _

TICKET_EVENT_TYPES = {
    "TroubleTicketCreateEvent": _("Ticket d'incident créé"),
    "TroubleTicketStateChangeEvent": _("Changement d'état d'un ticket"),
    "TroubleTicketAttributeValueChangeEvent": _("Changement d'attribut d'un ticket"),
    "TroubleTicketResolvedEvent": _("Ticket résolu"),
    "TroubleTicketInformationRequiredEvent": _("Information requise sur un ticket"),
    "TroubleTicketDeleteEvent": _("Ticket supprimé"),
}

NATIVE_EVENT_TYPES = {
    "alert.created": _("Alerte météo ou crue reçue"),
    "alert.updated": _("Alerte mise à jour"),
    "alert.cancelled": _("Alerte levée ou annulée"),
    "exposure.computed": _("Exposition du réseau à une alerte calculée"),
    "crisis.opened": _("Cellule de crise ouverte"),
    "crisis.closed": _("Cellule de crise fermée"),
    "crisis.sitrep_published": _("Point de situation publié"),
    "ComplexConnectionStatusChangeEvent": _("Changement de statut d'un raccordement complexe"),
}

EVENT_TYPES = {**TICKET_EVENT_TYPES, **NATIVE_EVENT_TYPES}


def catalogue() -> list[dict]:
    """[{"name", "description", "family"}] for the API."""
    return [
        {"name": name, "description": str(label), "family": "tmf621" if name in TICKET_EVENT_TYPES else "native"}
        for name, label in EVENT_TYPES.items()
    ]
