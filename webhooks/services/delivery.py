"""Sending one delivery (*envoi*): claim, order check, signed POST, log, then success, retry or dead letter.

- Claim: a conditional UPDATE sets a lease, so two workers (or a task and the sweeper) never send
  the same delivery at once; a crashed worker's lease lapses and the sweeper takes it again.
- Order: a delivery of sequence n of a subject waits while the same subscription still has an
  earlier delivery of that subject pending, or the subject has an earlier event not fanned out yet.
  When a delivery settles (success, dead letter, cancelled) the task goes on with the next one of
  its subject to that subscription (up to WEBHOOK_CHAIN_MAX in one task, then via the queue).
- Outcome: any 2xx succeeds (clears the subscription's "failing" flag and makes its deliveries in
  backoff due at once: a receiver back after an outage gets its backlog within a sweep); 410 Gone disables the
  subscription; anything else (other status, timeout, refused address) is retried after
  WEBHOOK_RETRY_SCHEDULE[n] seconds ± WEBHOOK_RETRY_JITTER, and dead-lettered after the last
  step, flagging the subscription "failing".
"""
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    AttemptOutcome, Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent, Subscription, SubscriptionStatus,
)
from .dispatch import enqueue_deliveries
from .envelope import body_bytes, envelope
from .signing import signature_header
from .subscriptions import set_status
from .urlguard import CallbackRefused, check_callback, guarded_session

logger = logging.getLogger(__name__)
USER_AGENT = "VigieFibre-Webhooks/1.0"
_local = threading.local()


def _session():
    """One guarded session per worker thread: keep-alive connections to receivers are reused (each new
    connection still has its peer address checked)."""
    if getattr(_local, "session", None) is None:
        _local.session = guarded_session()
    return _local.session


@dataclass
class HttpResult:
    status_code: int | None
    error: str
    body: str
    duration_ms: int
    signatures: int


def retry_delay(failures: int) -> float | None:
    """Seconds to wait after the n-th consecutive failure (1-based), or None when it is the last."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if failures > len(schedule):
        return None
    base = float(schedule[failures - 1])
    jitter = float(settings.WEBHOOK_RETRY_JITTER)
    return max(0.0, base * (1 + random.uniform(-jitter, jitter)))


def earlier_pending_q():
    """Deliveries that must wait: an earlier delivery of the same subject to the same subscription
    is still pending, or an earlier event of the subject is not fanned out yet."""
    earlier_delivery = Delivery.objects.filter(
        subscription_id=OuterRef("subscription_id"), subject=OuterRef("subject"),
        sequence__lt=OuterRef("sequence"), status=DeliveryStatus.PENDING,
    )
    earlier_event = OutboxEvent.objects.filter(
        subject=OuterRef("subject"), sequence__lt=OuterRef("sequence"), dispatched_at__isnull=True
    )
    return ~Q(subject="") & (Exists(earlier_delivery) | Exists(earlier_event))


def _claim(delivery_id, now) -> bool:
    """Take the delivery if it is pending, due, not leased and not waiting for an earlier one (one UPDATE)."""
    lease = now + timedelta(seconds=settings.WEBHOOK_CONNECT_TIMEOUT + settings.WEBHOOK_READ_TIMEOUT + 30)
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .exclude(earlier_pending_q())
        .update(lease_until=lease)
    )


def _attempt_one(delivery_id) -> tuple[str, Delivery | None]:
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "skipped", None
    delivery = Delivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    if delivery.subscription.status == SubscriptionStatus.DISABLED:
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.CANCELLED, settled_at=now, lease_until=None)
        return "cancelled", delivery
    result = post(delivery.subscription, delivery.event)
    return record_result(delivery, result), delivery


def attempt_delivery(delivery_id) -> str:
    """Make one attempt if the delivery is due and not waiting for an earlier one, then go on with the
    next deliveries of its subject to the same subscription, in order, in this same task (no trip
    through the queue between two events of one ticket). Returns what happened to `delivery_id`:
    "skipped" (not pending, not due yet, taken by another worker, or waiting for an earlier one of
    its subject), "cancelled", or the attempt's outcome."""
    outcome, delivery = _attempt_one(delivery_id)
    settled = (AttemptOutcome.SUCCEEDED, AttemptOutcome.DEAD, AttemptOutcome.GONE, "cancelled")
    current, chained = (outcome, delivery), 0
    while current[1] is not None and current[0] in settled and current[1].subject:
        following = next_of_subject(current[1])
        if following is None:
            break
        if chained >= settings.WEBHOOK_CHAIN_MAX:
            enqueue_deliveries([following])
            break
        current, chained = _attempt_one(following), chained + 1
    return outcome


def next_of_subject(delivery: Delivery) -> int | None:
    """The next pending delivery of the same subject to the same subscription, if any."""
    return (
        Delivery.objects.filter(subscription_id=delivery.subscription_id, subject=delivery.subject,
                                sequence__gt=delivery.sequence, status=DeliveryStatus.PENDING)
        .order_by("sequence").values_list("pk", flat=True).first()
    )


def post(sub: Subscription, event) -> HttpResult:
    """One signed POST to the callback, with the SSRF checks of delivery time. Never raises."""
    data = envelope(event)
    body = body_bytes(data)
    now = timezone.now()
    timestamp = int(now.timestamp())
    secrets_ = sub.signing_secrets(now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": str(event.id),
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_, str(event.id), timestamp, body),
    }
    limit = settings.WEBHOOK_RESPONSE_BODY_LIMIT
    started = time.monotonic()
    status_code, error, text = None, "", ""
    try:
        check_callback(sub.callback)
        response = _session().post(
            sub.callback, data=body, headers=headers, allow_redirects=False, stream=True,
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT),
        )
        with response:
            status_code = response.status_code
            raw = response.raw.read(limit + 1, decode_content=True) or b""
            text = raw[:limit].decode("utf-8", errors="replace") + ("…" if len(raw) > limit else "")
    except CallbackRefused as exc:
        error = _("adresse refusée : %(reason)s") % {"reason": exc}
    except requests.exceptions.ConnectTimeout:
        error = _("délai de connexion dépassé (%(s)s s)") % {"s": settings.WEBHOOK_CONNECT_TIMEOUT}
    except (requests.exceptions.ReadTimeout, TimeoutError):
        error = _("délai de réponse dépassé (%(s)s s)") % {"s": settings.WEBHOOK_READ_TIMEOUT}
    except requests.exceptions.RequestException as exc:
        error = _("erreur de connexion : %(error)s") % {"error": exc}
    except Exception as exc:  # noqa: BLE001 - the attempt is logged whatever went wrong
        error = _("erreur inattendue : %(error)s") % {"error": exc}
    if status_code is not None and not 200 <= status_code < 300 and not error:
        error = _("réponse HTTP %(code)s") % {"code": status_code}
    return HttpResult(status_code, str(error)[:1000], text, int((time.monotonic() - started) * 1000), len(secrets_))


def record_result(delivery: Delivery, result: HttpResult) -> str:
    """Log the attempt and move the delivery (and maybe the subscription) to its next state.
    The caller holds the delivery's lease, so its row is not locked again."""
    now = timezone.now()
    code = result.status_code
    d = delivery
    sub = d.subscription
    with transaction.atomic():
        d.attempts += 1
        d.last_status_code = code
        d.last_error = result.error
        d.lease_until = None
        manual, d.manual_pending = d.manual_pending, False
        if code is not None and 200 <= code < 300:
            outcome = AttemptOutcome.SUCCEEDED
            d.status, d.settled_at, d.failures, d.next_attempt_at = DeliveryStatus.SUCCEEDED, now, 0, None
            if sub.status == SubscriptionStatus.FAILING:
                set_status(sub, SubscriptionStatus.ACTIVE, "")
            # The receiver answers again: what waits in backoff for it is due now (the sweeper sends it).
            Delivery.objects.filter(subscription_id=sub.pk, status=DeliveryStatus.PENDING, failures__gt=0,
                                    next_attempt_at__gt=now).update(next_attempt_at=now)
        elif code == 410:
            outcome = AttemptOutcome.GONE
            d.status, d.settled_at, d.next_attempt_at = DeliveryStatus.DEAD, now, None
        else:
            d.failures += 1
            delay = retry_delay(d.failures)
            if delay is None:
                outcome = AttemptOutcome.DEAD
                d.status, d.settled_at, d.next_attempt_at = DeliveryStatus.DEAD, now, None
                Subscription.objects.filter(pk=sub.pk, status=SubscriptionStatus.ACTIVE).update(
                    status=SubscriptionStatus.FAILING, status_changed_at=now, updated_at=now,
                    status_reason=(_("envoi %(id)s abandonné après %(n)s tentatives : %(error)s")
                                   % {"id": d.pk, "n": d.attempts, "error": result.error})[:500],
                )
            else:
                outcome = AttemptOutcome.RETRY
                d.next_attempt_at = now + timedelta(seconds=delay)
        updated = Delivery.objects.filter(pk=d.pk).update(
            attempts=d.attempts, last_status_code=code, last_error=d.last_error, lease_until=None,
            manual_pending=False, status=d.status, settled_at=d.settled_at, failures=d.failures,
            next_attempt_at=d.next_attempt_at,
        )
        if not updated:
            return "cancelled"  # the subscription was deleted meanwhile
        DeliveryAttempt.objects.create(
            delivery=d, number=d.attempts, manual=manual, attempted_at=now - timedelta(milliseconds=result.duration_ms),
            duration_ms=result.duration_ms, status_code=code, error=result.error, response_body=result.body,
            signatures=result.signatures, outcome=outcome,
        )
        if outcome == AttemptOutcome.GONE:
            # set_status cancels the other pending deliveries; this one is already settled above.
            set_status(sub, SubscriptionStatus.DISABLED, _("le destinataire a répondu 410 Gone"))
    logger.info("webhook delivery %s attempt %s: %s (%s)", d.pk, d.attempts, outcome, code or result.error)
    if outcome == AttemptOutcome.RETRY:
        delay = (d.next_attempt_at - timezone.now()).total_seconds()
        if delay <= settings.WEBHOOK_RETRY_ENQUEUE_MAX:
            enqueue_deliveries([d.pk], countdown=max(0.0, delay))
    return outcome


def redeliver(delivery: Delivery) -> Delivery:
    """Send this delivery again now (whatever its state): back to pending, due now, then enqueued.
    The attempt is logged like any other; the receiver sees the same webhook-id (idempotency)."""
    with transaction.atomic():
        d = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if d.subscription.status == SubscriptionStatus.DISABLED:
            raise ValueError(_("l'abonnement est désactivé : réactivez-le avant de relancer un envoi"))
        if d.status == DeliveryStatus.PENDING and d.lease_until and d.lease_until > timezone.now():
            raise ValueError(_("cet envoi est en cours : réessayez dans quelques secondes"))
        d.status, d.next_attempt_at, d.settled_at, d.lease_until = DeliveryStatus.PENDING, timezone.now(), None, None
        d.failures = max(0, min(d.failures, len(settings.WEBHOOK_RETRY_SCHEDULE)))
        d.manual_pending = True
        d.save(update_fields=["status", "next_attempt_at", "settled_at", "lease_until", "failures", "manual_pending"])
        transaction.on_commit(lambda: enqueue_deliveries([d.pk]))
    return d
