"""OpenAPI: document the error responses of the native incidents endpoints (house shape
{"errors": [{"path", "reason"}]}) so the schema says what the API really answers. Could move to
core for every app."""
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorItem(serializers.Serializer):
    path = serializers.CharField()
    reason = serializers.CharField()


class ErrorBody(serializers.Serializer):
    errors = ErrorItem(many=True)


class ErrorResponsesSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            codes.append("400")
        if "{" in self.path or self._is_list_view():  # list: a page out of range is a 404
            codes.append("404")
        for code in codes:
            responses.setdefault(code, self._get_response_for_code(ErrorBody, code, direction=direction))
        return responses
