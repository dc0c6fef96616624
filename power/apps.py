from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PowerConfig(AppConfig):
    """Power dependency of active sites (*alimentation électrique des sites actifs*): batteries,
    generators, grid outages, predicted loss of service and generator dispatch. Built on network
    and resilience (the impact engine); neither of them knows about it."""

    name = "power"
    verbose_name = _("Énergie")

    def ready(self):
        from .services.registration import register

        register()
