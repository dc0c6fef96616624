from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontendConfig(AppConfig):
    """The crisis cell's web UI (French first) and the elected officials' commune summaries."""

    name = "frontend"
    verbose_name = _("Interface web")
