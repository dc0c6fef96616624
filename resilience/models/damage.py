from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.scoping import RestrictedQuerySet


class DamageModel(models.Model):
    """The storm damage model of one network (*modèle d'endommagement*): failure probabilities per
    asset and attribute at a reference intensity, and how they scale with the alert's intensity.

    `parameters` is merged over the shipped, calibrated defaults
    (`resilience.services.damage.DEFAULT_PARAMETERS`, calibration in docs/damage-model.md): a row
    only says what differs for its network (e.g. `{"wind": {"pole": {"ORANGE": 0.02}}}`). A row with
    no network applies to every network without its own. Editable in the admin.

    Network data: scoped to the network's owner and operator.
    """

    network = models.OneToOneField("network.Network", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="damage_model", verbose_name=_("réseau"),
                                   help_text=_("Vide : modèle de tous les réseaux sans modèle propre."))
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True,
                                  help_text=_("Écarts aux valeurs calibrées livrées (voir docs/damage-model.md)."))
    note = models.TextField(_("justification"), blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_lookups = ("network__owner", "network__operator")

    class Meta:
        verbose_name = _("modèle d'endommagement")
        verbose_name_plural = _("modèles d'endommagement")
        constraints = [
            models.UniqueConstraint(fields=["network"], condition=models.Q(network__isnull=True),
                                    name="resilience_damage_model_one_default"),
        ]

    def __str__(self) -> str:
        return f"damage model {self.network.slug if self.network_id else '(default)'}"

    def clean(self):
        from resilience.services.damage import validate_parameters

        errors = validate_parameters(self.parameters)
        if errors:
            raise ValidationError({"parameters": errors})
