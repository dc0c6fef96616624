from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """A worker's periodic sign of life (*battement*), written by the beat-scheduled task.

    It proves the whole chain beat → Redis → worker → PostGIS works, and its age tells an
    operator when background work (alert polling, webhook delivery) silently stopped.
    """

    worker = models.CharField(_("processus"), max_length=200)
    postgis_version = models.CharField(_("version de PostGIS"), max_length=50)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("battement")
        verbose_name_plural = _("battements")
        ordering = ["-created_at"]
