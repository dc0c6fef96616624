"""Event types emitted by the resilience app (registered from `ResilienceConfig.ready`)."""
from django.utils.translation import gettext_lazy as _

from webhooks.registry import register_event_type

ALERT_SCHEMA = {
    "type": "object", "required": ["alert"],
    "properties": {"alert": {"type": "object", "required": ["id", "hazard", "level", "lifecycle"], "properties": {
        "id": {"type": "integer"}, "source": {"type": "string"}, "sender": {"type": "string"},
        "identifier": {"type": "string"}, "hazard": {"type": "string"}, "level": {"type": "string"},
        "status": {"type": "string"}, "lifecycle": {"type": "string"},
        "onset": {"type": ["string", "null"], "format": "date-time"},
        "expires": {"type": ["string", "null"], "format": "date-time"},
        "superseded_by": {"type": ["integer", "null"]},
        "departements": {"type": "array", "items": {"type": "string"}},
    }}},
}

EXPOSURE_SCHEMA = {
    "type": "object", "required": ["exposure"],
    "properties": {"exposure": {"type": "object", "required": ["id", "alert", "network", "totals"], "properties": {
        "id": {"type": "integer"}, "alert": {"type": "integer"}, "network": {"type": "string"},
        "network_version": {"type": "integer"}, "totals": {"type": "object"},
    }}},
}


def register() -> None:
    register_event_type("alert.created", app="resilience", description=_("Alerte météo ou crue reçue"),
                        payload=ALERT_SCHEMA, subject="alert:<id>")
    register_event_type("alert.updated", app="resilience", description=_("Alerte mise à jour"),
                        payload=ALERT_SCHEMA, subject="alert:<id>")
    register_event_type("alert.cancelled", app="resilience", description=_("Alerte levée ou annulée"),
                        payload=ALERT_SCHEMA, subject="alert:<id>")
    register_event_type("exposure.computed", app="resilience",
                        description=_("Exposition du réseau à une alerte calculée"),
                        payload=EXPOSURE_SCHEMA, subject="exposure:<alert id>:<network id>")
