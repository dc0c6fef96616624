from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class ImportRun(models.Model):
    """One GraceTHD import (*import*): uploaded file, Celery progress and the per-row error report
    (`FILE:ROW: FIELD: reason`). Kept even when refused, so the user can fix and retry."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        SUCCEEDED = "succeeded", _("Réussi")
        FAILED = "failed", _("Refusé")

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="import_runs", null=True)
    network_slug = models.SlugField(max_length=64)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    source = models.FileField(_("fichier"), upload_to="imports/%Y/%m/")
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    percent = models.PositiveSmallIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("organisation",)

    class Meta:
        verbose_name = _("import GraceTHD")
        verbose_name_plural = _("imports GraceTHD")
        ordering = ["-created_at"]
