from rest_framework.parsers import JSONParser


class MergePatchJSONParser(JSONParser):
    """`application/merge-patch+json` (RFC 7396), the media type TMF630 uses for PATCH."""

    media_type = "application/merge-patch+json"
