from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Crisis coordination (*gestion de crise*): crises, crisis log, contacts, TMF621 tickets, webhooks."""

    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from . import events  # registers this app's event types (webhooks.registry)

        events.register()
