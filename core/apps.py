from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Cross-cutting plumbing: health, request ids, API error shape, worker heartbeat."""

    name = "core"
    verbose_name = _("Socle")
