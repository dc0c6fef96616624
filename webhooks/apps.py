from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound events (*notifications sortantes*): transactional outbox, subscriptions, signed delivery."""

    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        # imported here: ready(): webhooks.tasks imports models, not importable before the app registry is ready
        from .services.outbox import after_commit_hooks
        # imported here: ready(): webhooks.tasks imports models, not importable before the app registry is ready
        from .tasks import enqueue_dispatch

        if enqueue_dispatch not in after_commit_hooks:
            after_commit_hooks.append(enqueue_dispatch)
