from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound events (*notifications sortantes*): transactional outbox, subscriptions, signed delivery."""

    name = "webhooks"
    verbose_name = _("Webhooks")
