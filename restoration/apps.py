from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RestorationConfig(AppConfig):
    """Restoration after a storm (*rétablissement*): repair crews, restoration plans with an ETA per
    commune, field damage reports (*signalements*), and storm replays. Depends on network/,
    resilience/ (exposure, damage model, impact engine) and incidents/ (tickets, crises)."""

    name = "restoration"
    verbose_name = _("Rétablissement")

    def ready(self):
        from . import events  # registers this app's event types (webhooks.registry)

        events.register()
