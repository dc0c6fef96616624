from rest_framework import serializers

from ..models import Organisation


class OrganisationSerializer(serializers.ModelSerializer):
    syndicates = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = ["slug", "name", "kind", "siren", "insee_code", "syndicates"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_superuser = serializers.BooleanField()
    organisations = serializers.ListField(child=serializers.DictField())
