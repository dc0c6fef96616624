from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplexConnectionsConfig(AppConfig):
    """Complex connections (*raccordements complexes*): case management on top of the network
    (detection rules, costs and State aid, workflow, notes, attachments), as Geotrek-admin keeps
    `maintenance` apart from `core`. Depends on `network`; `network` knows nothing of it."""

    name = "complex_connections"
    verbose_name = _("Raccordements complexes")

    def ready(self):
        from . import events  # registers this app's event types (webhooks.registry)

        events.register()
