from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet

from .crisis import Crisis


class LogEntryKind(models.TextChoices):
    DECISION = "decision", _("Décision")
    INFORMATION = "information", _("Information")
    ACTION = "action", _("Action")
    CALL = "call", _("Appel")


class AppendOnlyError(Exception):
    """A crisis log entry is never rewritten nor removed: write a correction instead."""


class CrisisLogQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the crisis log is append-only")

    def delete(self):
        raise AppendOnlyError("the crisis log is append-only")


class CrisisLogEntry(models.Model):
    """An entry of the crisis log (*main courante*): what was decided, learned, done or called, by whom,
    for which organisation, when. Append-only (here, in the API, in the admin and by a database
    trigger): a correction is a new entry whose `corrects` points at the entry it corrects.

    `linked_objects` names the objects concerned by type and code, e.g.
    [{"type": "RouteSegment", "code": "CM-D1a"}, {"type": "TroubleTicket", "code": "12"}].
    """

    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, related_name="log_entries", verbose_name=_("crise"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("auteur")
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    kind = models.CharField(_("nature"), max_length=12, choices=LogEntryKind.choices)
    text = models.TextField(_("texte"))
    linked_objects = models.JSONField(_("objets liés"), default=list, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
        verbose_name=_("corrige l'entrée"),
    )
    created_at = models.DateTimeField(_("horodatage"), auto_now_add=True, db_index=True)

    objects = CrisisLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrée de main courante")
        verbose_name_plural = _("main courante")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()} — {self.text[:60]}"

    @classmethod
    def scope_q(cls, organisation_ids):
        return models.Q(crisis__in=Crisis.objects.filter(Crisis.scope_q(organisation_ids)).values("pk"))

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("the crisis log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the crisis log is append-only")
