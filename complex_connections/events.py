"""Event types of the complex_connections app (registered from `ComplexConnectionsConfig.ready`)."""
from django.utils.translation import gettext_lazy as _

from webhooks.registry import register_event_type

STATUS_CHANGE = "ComplexConnectionStatusChangeEvent"

STATUS_CHANGE_SCHEMA = {
    "type": "object", "required": ["complexConnection"],
    "properties": {"complexConnection": {"type": "object", "required": ["id", "network", "premises", "from", "status"],
                                         "properties": {
        "id": {"type": "integer"}, "network": {"type": "string"}, "premises": {"type": "string"},
        "from": {"type": "string"}, "status": {"type": "string"}, "reason": {"type": "string"},
    }}},
}


def register() -> None:
    register_event_type(STATUS_CHANGE, app="complex_connections",
                        description=_("Changement de statut d'un raccordement complexe"),
                        payload=STATUS_CHANGE_SCHEMA, subject="complexConnection:<id>")
