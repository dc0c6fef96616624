from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation
from organisations.scoping import RestrictedQuerySet


class ContactQuerySet(RestrictedQuerySet):
    def on_call(self, at=None):
        """Contacts with an on-call period (*astreinte*) covering `at` (default: now)."""
        at = at or timezone.now()
        periods = OnCallPeriod.objects.filter(starts_at__lte=at, ends_at__gt=at)
        return self.filter(pk__in=periods.values("contact_id"))


class Contact(models.Model):
    """A person to call in a crisis (*annuaire de crise*), per organisation and optionally per commune:
    role (e.g. « astreinte réseau », « maire »), phone, email; on-call periods (*astreintes*).

    Seen by the organisation and its partners (the syndicate and the operators of its networks): in a
    crisis the stakeholders must be known in advance. Written by the organisation itself.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="contacts", verbose_name=_("organisation")
    )
    commune = models.ForeignKey(
        "network.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    name = models.CharField(_("nom"), max_length=200)
    role = models.CharField(_("fonction"), max_length=200)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    notes = models.TextField(_("remarques"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["organisation__name", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(phone="") | ~Q(email=""), name="contact_phone_or_email"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    @classmethod
    def scope_q(cls, organisation_ids):
        visible = Organisation.objects.filter(Organisation.scope_q(organisation_ids)).values("pk")
        return Q(organisation__in=visible)


class OnCallPeriod(models.Model):
    """An on-call period (*période d'astreinte*) of a contact: [starts_at, ends_at)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="on_call_periods", verbose_name=_("contact"))
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("période d'astreinte")
        verbose_name_plural = _("périodes d'astreinte")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="oncall_ends_after_start"),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.contact} {self.starts_at:%Y-%m-%d %H:%M} → {self.ends_at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_q(cls, organisation_ids):
        return Q(contact__in=Contact.objects.filter(Contact.scope_q(organisation_ids)).values("pk"))
