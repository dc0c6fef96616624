"""Creating, changing and rotating subscriptions: shared by the TMF hub and the native API."""
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record, snapshot
from core.models import AuditEvent

from ..models import Delivery, DeliveryStatus, Subscription, SubscriptionSource, SubscriptionStatus
from ..registry import TMF621, event_type_names, is_registered
from .query import QueryError, parse_query
from .signing import generate_secret
from .urlguard import CallbackRefused, check_callback

AUDITED_FIELDS = ["id", "organisation", "source", "callback", "query", "event_types", "description", "status"]


@lru_cache(maxsize=1024)
def _parsed(query: str):
    return parse_query(query)


def subscription_matches(sub: Subscription, data: dict) -> bool:
    """Does this subscription want this envelope? (event type list, then the query)"""
    if sub.event_types and data["eventType"] not in sub.event_types:
        return False
    try:
        return _parsed(sub.query or "").matches(data)
    except QueryError:
        return False


def validate(callback: str, query: str, event_types: list, source: str) -> None:
    """Raise ValidationError({"callback"|"query"|"event_types": [reason]}) when something is refused."""
    errors = {}
    try:
        check_callback(callback)
    except CallbackRefused as exc:
        errors["callback"] = [str(exc)]
    try:
        parsed = parse_query(query)
    except QueryError as exc:
        errors["query"] = [str(exc)]
    else:
        if source == SubscriptionSource.TMF and parsed.event_types - set(event_type_names(TMF621)):
            errors["query"] = [_("le hub TMF621 ne diffuse que les événements TroubleTicket*")]
    unknown = [name for name in event_types or [] if not is_registered(name)]
    if unknown:
        errors["event_types"] = [_("type d'événement inconnu : %(names)s") % {"names": ", ".join(unknown)}]
    if errors:
        raise ValidationError(errors)


def create_subscription(organisation, callback: str, *, query: str = "", event_types=None, description: str = "",
                        source: str = SubscriptionSource.NATIVE, actor=None) -> Subscription:
    event_types = list(event_types or [])
    if source == SubscriptionSource.TMF and not event_types:
        event_types = event_type_names(TMF621)  # the hub of the trouble-ticket API: ticket events only
    validate(callback, query, event_types, source)
    with transaction.atomic():
        sub = Subscription.objects.create(
            organisation=organisation, source=source, callback=callback, query=query or "",
            event_types=event_types, description=description, secret=generate_secret(), created_by=actor,
        )
        record(sub, AuditEvent.Action.CREATE, actor=actor, organisation=organisation,
               after=snapshot(sub, AUDITED_FIELDS))
    return sub


def update_subscription(sub: Subscription, changes: dict, *, actor=None) -> Subscription:
    before = snapshot(sub, AUDITED_FIELDS)
    callback = changes.get("callback", sub.callback)
    query = changes.get("query", sub.query)
    event_types = changes.get("event_types", sub.event_types)
    validate(callback, query, event_types, sub.source)
    with transaction.atomic():
        for name in ("callback", "query", "event_types", "description"):
            if name in changes:
                setattr(sub, name, changes[name])
        if "status" in changes and changes["status"] != sub.status:
            set_status(sub, changes["status"], _("modifié par l'abonné"), save=False)
        sub.save()
        record(sub, AuditEvent.Action.UPDATE, actor=actor, organisation=sub.organisation, before=before,
               after=snapshot(sub, AUDITED_FIELDS))
    return sub


def delete_subscription(sub: Subscription, *, actor=None) -> None:
    with transaction.atomic():
        record(sub, AuditEvent.Action.DELETE, actor=actor, organisation=sub.organisation,
               before=snapshot(sub, AUDITED_FIELDS))
        sub.delete()


def set_status(sub: Subscription, status: str, reason: str = "", *, save: bool = True) -> None:
    """Change the status; disabling cancels what was still waiting to go out."""
    sub.status = status
    sub.status_reason = reason[:500]
    sub.status_changed_at = timezone.now()
    if save:
        sub.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    if status == SubscriptionStatus.DISABLED:
        Delivery.objects.filter(subscription=sub, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELLED, settled_at=timezone.now(), lease_until=None
        )


def rotate_secret(sub: Subscription, *, actor=None) -> Subscription:
    """New secret now; the old one keeps signing (second signature) for WEBHOOK_SECRET_OVERLAP seconds."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=sub.pk)
        sub.previous_secret = sub.secret
        sub.previous_secret_expires_at = timezone.now() + timedelta(seconds=settings.WEBHOOK_SECRET_OVERLAP)
        sub.secret = generate_secret()
        sub.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
        record(sub, AuditEvent.Action.UPDATE, actor=actor, organisation=sub.organisation,
               before={"secret": "rotated"}, after={"previous_secret_expires_at": sub.previous_secret_expires_at.isoformat()})
    return sub
