from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Crisis coordination (*gestion de crise*): crises, crisis log, contacts, TMF621 tickets, webhooks."""

    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from . import events  # registers this app's event types (webhooks.registry)

        events.register()
        # imported here: models are importable only once the app registry is ready
        from . import network_dependents  # tickets hold a network's deletion back (network_delete)

        network_dependents.register()
