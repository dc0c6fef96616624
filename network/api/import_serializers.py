from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from network.models import ImportRun


class ImportRunSerializer(serializers.ModelSerializer):
    """A GraceTHD import: state, progress (percent, rows done) and the fault report."""

    network = serializers.CharField(source="network_slug", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    file = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        fields = ["id", "network", "organisation", "created_by", "file", "state", "percent", "rows_done",
                  "rows_total", "errors", "summary", "created_at", "finished_at"]
        read_only_fields = fields

    def get_file(self, run) -> str:
        return run.source.name.rsplit("/", 1)[-1]


class ImportUploadSerializer(serializers.Serializer):
    """POST /api/v1/imports/ (multipart): a zip of the GraceTHD exchange directory (or a .gpkg)."""

    file = serializers.FileField()
    network = serializers.SlugField(max_length=64)
    owner = serializers.SlugField(required=False)
    operator = serializers.SlugField(required=False)

    def validate_file(self, f):
        name = f.name.lower()
        if not name.endswith((".zip", ".gpkg")):
            raise serializers.ValidationError(_("Un zip du répertoire GraceTHD ou un GeoPackage est attendu."))
        return f
