"""Event types of the restoration app (registered from `RestorationConfig.ready`)."""
from django.utils.translation import gettext_lazy as _

from webhooks.registry import register_event_type

DAMAGE_REPORT_SCHEMA = {
    "type": "object", "required": ["damageReport"],
    "properties": {"damageReport": {"type": "object", "required": ["id", "network", "kind", "location", "status"],
                                    "properties": {
        "id": {"type": "integer"}, "network": {"type": "string"},
        "kind": {"type": "string", "enum": ["pole_down", "cable_down", "chamber_flooded", "cabinet_damaged"]},
        "location": {"type": "array", "items": {"type": "number"}, "description": "[lon, lat] (EPSG:4326)"},
        "commune": {"type": ["string", "null"]}, "comment": {"type": "string"}, "photo": {"type": "string"},
        "status": {"type": "string"}, "group": {"type": ["integer", "null"]}, "ticket": {"type": ["integer", "null"]},
        "dismissed_reason": {"type": "string"}, "reported_at": {"type": "string", "format": "date-time"},
    }}},
}


def register() -> None:
    register_event_type("damage_report.created", app="restoration",
                        description=_("Signalement de dommage reçu (poteau, câble, chambre, armoire)"),
                        payload=DAMAGE_REPORT_SCHEMA, subject="damageReport:<id>")
    register_event_type("damage_report.triaged", app="restoration",
                        description=_("Signalement de dommage trié (ticket créé ou écarté)"),
                        payload=DAMAGE_REPORT_SCHEMA, subject="damageReport:<id>")
