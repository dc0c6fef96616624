"""Recording changes in the audit trail: one call, in the transaction of the change itself."""
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
import json

from .models import AuditEvent
from .request_context import request_id_var


def snapshot(instance, fields=None) -> dict:
    """A JSON-safe dict of the instance's concrete fields (foreign keys by id, geometries as WKT)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if fields and field.name not in fields:
            continue
        value = getattr(instance, field.attname)
        if hasattr(value, "wkt"):
            value = value.wkt
        elif hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile: its stored path
            value = value.name
        data[field.attname] = value
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def record(instance, action: str, *, actor=None, organisation=None, before=None, after=None) -> AuditEvent:
    """Append one audit event for `instance`. `before`/`after` default to nothing / a snapshot."""
    if after is None and action != AuditEvent.Action.DELETE:
        after = snapshot(instance)
    return AuditEvent.objects.create(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation=organisation,
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
        before=before,
        after=after,
    )
