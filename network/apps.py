from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    """The fibre network (*réseau*): GraceTHD-shaped topology in PostGIS, import/export, map layers."""

    name = "network"
    verbose_name = _("Réseau")
