"""What the power app plugs into the apps below it, from PowerConfig.ready (they never import power):
its event types into the webhook registry, and the grid-fed sites into an alert's exposure."""
from django.utils.translation import gettext_lazy as _

from resilience.services import exposure_extras
from webhooks.registry import register_event_type

POWER_EVENT_TYPES = {
    "power.site_on_battery": _("Site actif sur batterie (coupure d'électricité)"),
    "power.site_at_risk": _("Site actif bientôt hors service (fin d'autonomie proche)"),
    "power.site_dark": _("Site actif hors service faute d'électricité"),
}

# The `event` member: the site's power state (docs/power.md), once per site and episode (an outage,
# or an operator's dark declaration); `power.site_at_risk` POWER_AT_RISK_LEAD_MINUTES before `dark_at`.
POWER_SITE_SCHEMA = {
    "type": "object", "required": ["network", "site", "state"],
    "properties": {
        "network": {"type": "string"},
        "site": {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "type": {"type": "string"}}},
        "state": {"type": "string"}, "since": {"type": ["string", "null"]}, "dark_at": {"type": ["string", "null"]},
        "outage": {}, "declared": {}, "generator": {"type": "string"}, "battery_hours": {"type": ["number", "null"]},
        "premises_cut": {"type": "integer"}, "households_cut": {"type": "integer"}, "businesses_cut": {"type": "integer"},
        "critical_sites_cut": {"type": "integer"}, "communes": {},
    },
}


def register() -> None:
    for name, description in POWER_EVENT_TYPES.items():
        register_event_type(name, app="power", description=description, payload=POWER_SITE_SCHEMA,
                            subject="powerSite:<network>:<site code>")
    # imported here: power.exposure reads the power models, not importable before the app registry is ready
    from .exposure import power_sites_in_area

    exposure_extras.register(power_sites_in_area)
