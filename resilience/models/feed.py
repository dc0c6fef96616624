from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedState(models.Model):
    """Polling state of one remote feed (*flux*): validators for conditional GET and the backoff
    after failures. Keyed by the feed name of settings.ALERT_FEEDS."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=1000)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("état de flux")
        verbose_name_plural = _("états de flux")

    def __str__(self) -> str:
        return self.name
