from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class CrisisLevel(models.TextChoices):
    """Level of the crisis cell (*niveau de mobilisation*)."""

    WATCH = "watch", _("Veille")
    ALERT = "alert", _("Alerte")
    CRISIS = "crisis", _("Crise")


class Crisis(models.Model):
    """A crisis (*crise*, opened by the *cellule de crise*): a named event (a storm, a flood) on one or
    more networks, with a level, the organisations taking part and the weather/flood alerts behind it.

    `significant` and `awareness_time` flag a significant incident under NIS2 (*incident important*,
    art. 23 of directive 2022/2555): the CSIRT deadlines (24 h, 72 h, one month) count from
    `awareness_time` (the reporting app keeps the drafts).

    `alert_ids` holds the ids of the linked alerts (resilience's Alert model is written in parallel; a
    foreign key can replace this list once both are merged). Scoped: the participating organisations
    and the owners/operators of its networks see it.
    """

    name = models.CharField(_("nom"), max_length=200)
    networks = models.ManyToManyField("network.Network", related_name="crises", verbose_name=_("réseaux"), blank=True)
    level = models.CharField(_("niveau"), max_length=10, choices=CrisisLevel.choices, default=CrisisLevel.WATCH)
    opened_at = models.DateTimeField(_("ouverte le"), default=timezone.now)
    closed_at = models.DateTimeField(_("fermée le"), null=True, blank=True)
    alert_ids = models.JSONField(_("alertes liées"), default=list, blank=True, help_text=_("Identifiants des alertes."))
    organisations = models.ManyToManyField(
        "organisations.Organisation", related_name="crises", verbose_name=_("organisations participantes"), blank=True
    )
    significant = models.BooleanField(
        _("incident important (NIS2)"), default=False,
        help_text=_("Incident important au sens de la directive NIS2 : déclenche les notifications au CSIRT."),
    )
    awareness_time = models.DateTimeField(
        _("prise de connaissance"), null=True, blank=True,
        help_text=_("Moment où l'entité a eu connaissance de l'incident important : point de départ des délais NIS2."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("créée par")
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("crise")
        verbose_name_plural = _("crises")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("opened_at")),
                name="crisis_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @classmethod
    def scope_q(cls, organisation_ids):
        """Participants, and the owner/operator of any of its networks (subqueries: no duplicate rows)."""
        through = cls.organisations.through.objects.filter(organisation_id__in=organisation_ids)
        by_network = cls.networks.through.objects.filter(
            Q(network__owner_id__in=organisation_ids) | Q(network__operator_id__in=organisation_ids)
        )
        return Q(pk__in=through.values("crisis_id")) | Q(pk__in=by_network.values("crisis_id"))
