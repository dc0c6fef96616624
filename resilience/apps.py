from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResilienceConfig(AppConfig):
    """Alerts, exposure and impact (*alertes, exposition, impact*): what a storm or flood threatens."""

    name = "resilience"
    verbose_name = _("Résilience")

    def ready(self):
        from . import events  # registers this app's event types (webhooks.registry)

        events.register()
