"""Event types of the reporting app (registered from `ReportingConfig.ready`)."""
from django.utils.translation import gettext_lazy as _

from webhooks.registry import register_event_type

SITREP_PUBLISHED = "crisis.sitrep_published"

SITREP_SCHEMA = {
    "type": "object", "required": ["sitrep"],
    "properties": {"sitrep": {"type": "object", "required": ["id", "crisis", "number", "at"], "properties": {
        "id": {"type": "integer"}, "crisis": {"type": "integer"}, "number": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"}, "totals": {"type": "object"},
        "pdf": {"type": "string"}, "csv": {"type": "string"}, "json": {"type": "string"},
    }}},
}


def register() -> None:
    register_event_type(SITREP_PUBLISHED, app="reporting", description=_("Point de situation publié"),
                        payload=SITREP_SCHEMA, subject="crisis:<id>")
