from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..scoping import RestrictedQuerySet


class Role(models.TextChoices):
    """What a person may do in their organisation."""

    CRISIS_MANAGER = "crisis_manager", _("Gestionnaire de crise")
    OPERATOR_AGENT = "operator_agent", _("Agent opérateur")
    ELECTED_OFFICIAL = "elected_official", _("Élu")
    VIEWER = "viewer", _("Lecteur")
    ADMIN = "admin", _("Administrateur")
    AUDITOR = "auditor", _("Auditeur")


# Roles that may change data (tickets, crisis log, alerts); the others only read.
WRITE_ROLES = frozenset({Role.CRISIS_MANAGER, Role.OPERATOR_AGENT, Role.ADMIN})
# Roles that only ever see aggregates, never operator-confidential detail.
AGGREGATE_ONLY_ROLES = frozenset({Role.ELECTED_OFFICIAL})


class Membership(models.Model):
    """A person's role in an organisation (*rattachement*)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("organisation",)

    class Meta:
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_org")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"
