from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import GeneratorKind, OverrideState


class SupplyPatchSerializer(serializers.Serializer):
    """PATCH /networks/<slug>/power/sites/<code>/: every field optional."""

    battery_hours = serializers.FloatField(min_value=0, max_value=10000, required=False)
    battery_tested_on = serializers.DateField(required=False, allow_null=True)
    generator = serializers.ChoiceField(choices=GeneratorKind.values, required=False)
    fuel_hours = serializers.FloatField(min_value=0, max_value=10000, required=False, allow_null=True)
    mobile_connectable = serializers.BooleanField(required=False)
    delivery_point = serializers.CharField(max_length=64, required=False, allow_blank=True)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)
    mobile_generator = serializers.IntegerField(required=False, allow_null=True,
                                                help_text=_("groupe mobile raccordé (id de la flotte)"))
    generator_connected_at = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("aucun champ à modifier"))
        return attrs


class DeclareStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=OverrideState.values)
    at = serializers.DateTimeField(required=False)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
