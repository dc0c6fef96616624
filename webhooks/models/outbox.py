import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """An event waiting to go out (*événement sortant*), written in the same database transaction
    as the change that causes it (transactional outbox): if the change rolls back, so does the
    event; if the worker or Redis is down after commit, the sweeper still finds it here.

    `organisation_ids` are the organisations allowed to read the subject: a subscription only
    receives events of its own organisation. `subject` + `sequence` order the events of one object
    (e.g. one trouble ticket) so a receiver can apply them in order.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("type d'événement"), max_length=100, db_index=True)
    payload = models.JSONField(_("contenu"))
    organisation_ids = ArrayField(models.BigIntegerField(), default=list)
    subject = models.CharField(_("objet"), max_length=200, blank=True, help_text=_("ex. troubleTicket:42"))
    sequence = models.PositiveBigIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("événement sortant")
        verbose_name_plural = _("événements sortants")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "sequence"], condition=~models.Q(subject=""), name="outbox_subject_sequence_unique"
            )
        ]
