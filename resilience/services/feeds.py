"""Polling of remote alert feeds (*flux*) listed in settings.ALERT_FEEDS, run by Celery beat.

Conditional GET (ETag / If-Modified-Since): a 304 costs nothing. A changed body is ingested like
any payload (raw stored first; identical bytes are a no-op; a changed vigilance bulletin is an
Update). Failures (network error, timeout, 5xx, refused payload) back off exponentially:
next poll after ALERTS_FEED_BACKOFF_BASE × 2^(failures-1) seconds, capped at ALERTS_FEED_BACKOFF_MAX.
"""
import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.utils import timezone

from ..models import FeedState
from .ingest import IngestError, ingest_payload

logger = logging.getLogger(__name__)

NOT_MODIFIED, INGESTED, DUPLICATE, FAILED, BACKING_OFF = "not_modified", "ingested", "duplicate", "failed", "backing_off"


def backoff_delay(failures: int) -> float:
    return min(settings.ALERTS_FEED_BACKOFF_BASE * (2 ** max(failures - 1, 0)), settings.ALERTS_FEED_BACKOFF_MAX)


def _fail(state: FeedState, status, error: str, label: str = "alert feed") -> str:
    state.failures += 1
    state.last_status = status
    state.last_error = error[:2000]
    state.next_poll_at = timezone.now() + timedelta(seconds=backoff_delay(state.failures))
    state.save()
    logger.warning(f"{label} failed", extra={"feed": state.name, "status": status, "failures": state.failures})
    return FAILED


def poll_conditional(state_name: str, url: str, consume, *, refused=(), headers=None, precheck=None,
                     force: bool = False, label: str = "alert feed") -> tuple[str, object]:
    """One conditional GET of `url` with the polling state `FeedState(state_name)`: ETag and
    If-Modified-Since sent, a 304 costs nothing, failures back off exponentially. A 200 body goes to
    `consume(response)`; an exception of `refused` is a failed poll with its message. `precheck()`
    may return an error that fails the poll before any request. Returns (status, what consume
    returned). Shared by the alert feeds and the power-outage feeds (power.services.feeds)."""
    state, _ = FeedState.objects.get_or_create(name=state_name, defaults={"url": url})
    if state.url != url:  # URL changed in settings: old validators are meaningless
        state.url, state.etag, state.last_modified = url, "", ""
    now = timezone.now()
    if not force and state.next_poll_at and state.next_poll_at > now:
        return BACKING_OFF, None
    error = precheck() if precheck else None
    if error:
        return _fail(state, None, error, label), None
    state.last_polled_at = now
    headers = dict(headers or {})
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        response = requests.get(url, headers=headers, timeout=settings.ALERTS_FEED_TIMEOUT)
    except requests.RequestException as exc:
        return _fail(state, None, f"{exc.__class__.__name__}: {exc}", label), None
    if response.status_code == 304:
        state.failures, state.last_status, state.last_error, state.next_poll_at = 0, 304, "", None
        state.last_success_at = now
        state.save()
        return NOT_MODIFIED, None
    if response.status_code != 200:
        return _fail(state, response.status_code, f"HTTP {response.status_code}", label), None
    try:
        result = consume(response)
    except refused as exc:
        return _fail(state, 200, str(exc), label), None
    state.etag = response.headers.get("ETag", "")
    state.last_modified = response.headers.get("Last-Modified", "")
    state.failures, state.last_status, state.last_error, state.next_poll_at = 0, 200, "", None
    state.last_success_at = now
    state.save()
    return INGESTED, result


def poll_feed(name: str, *, force: bool = False) -> str:
    """Poll one feed now (unless backing off and not forced). Returns what happened."""
    feed = settings.ALERT_FEEDS[name]

    def consume(response):
        return ingest_payload(response.content, feed["format"], content_type=response.headers.get("Content-Type", ""),
                              origin=feed["url"])

    status, result = poll_conditional(name, feed["url"], consume, refused=IngestError, headers=feed.get("headers"),
                                      force=force)
    return DUPLICATE if status == INGESTED and result.duplicate else status


def poll_due_feeds() -> dict:
    return {name: poll_feed(name) for name in settings.ALERT_FEEDS}
