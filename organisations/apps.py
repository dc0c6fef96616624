from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    """Organisations, people and their roles, API tokens, and the one scoping helper."""

    name = "organisations"
    verbose_name = _("Organisations et accès")

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI description of token auth)
