"""What the power app plugs into the apps below it, from PowerConfig.ready (they never import power):
its event types into the webhook catalogue, and the grid-fed sites into an alert's exposure."""
from django.utils.translation import gettext_lazy as _

POWER_EVENT_TYPES = {
    "power.site_on_battery": _("Site actif sur batterie (coupure d'électricité)"),
    "power.site_at_risk": _("Site actif bientôt hors service (fin d'autonomie proche)"),
    "power.site_dark": _("Site actif hors service faute d'électricité"),
}


def register() -> None:
    from resilience.services import exposure_extras
    from webhooks.services import catalogue

    catalogue.NATIVE_EVENT_TYPES.update(POWER_EVENT_TYPES)
    catalogue.EVENT_TYPES.update(POWER_EVENT_TYPES)

    from .exposure import power_sites_in_area

    exposure_extras.register(power_sites_in_area)
