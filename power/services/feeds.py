"""Polling of a distribution operator's outage feeds (settings.POWER_OUTAGE_FEEDS), run by beat.

A feed answers JSON: a list of outage records, `{"outages": [...]}` or a GeoJSON
FeatureCollection whose features carry the record in `properties` (and their area as geometry);
records as for POST /api/v1/power-outages/ (docs/power.md). Each feed is configured for one
network and one `source` name. The feed lists the outages in progress: an outage of that source
seen before and absent from a later answer has ended (`ended_at` = poll time).

Conditional GET and exponential backoff as the alert feeds (resilience.services.feeds): the
polling state is a resilience FeedState row named `power:<feed name>`.
"""
import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.utils import timezone

from network.models import Network
from resilience.models import FeedState
from resilience.services.feeds import backoff_delay

from .outages import OutageError, _ingest, feed_items, parse_record

logger = logging.getLogger(__name__)

NOT_MODIFIED, INGESTED, FAILED, BACKING_OFF = "not_modified", "ingested", "failed", "backing_off"


def _fail(state, status, error: str) -> str:
    state.failures += 1
    state.last_status = status
    state.last_error = error[:2000]
    state.next_poll_at = timezone.now() + timedelta(seconds=backoff_delay(state.failures))
    state.save()
    logger.warning("power outage feed failed", extra={"feed": state.name, "status": status, "failures": state.failures})
    return FAILED


def poll_feed(name: str, *, force: bool = False) -> str:
    feed = settings.POWER_OUTAGE_FEEDS[name]
    state, _ = FeedState.objects.get_or_create(name=f"power:{name}", defaults={"url": feed["url"]})
    if state.url != feed["url"]:
        state.url, state.etag, state.last_modified = feed["url"], "", ""
    now = timezone.now()
    if not force and state.next_poll_at and state.next_poll_at > now:
        return BACKING_OFF
    network = Network.objects.filter(slug=feed["network"]).first()
    if network is None:
        return _fail(state, None, f"unknown network {feed['network']!r}")
    state.last_polled_at = now
    headers = dict(feed.get("headers") or {})
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        response = requests.get(feed["url"], headers=headers, timeout=settings.ALERTS_FEED_TIMEOUT)
    except requests.RequestException as exc:
        return _fail(state, None, f"{exc.__class__.__name__}: {exc}")
    if response.status_code == 304:
        state.failures, state.last_status, state.last_error, state.next_poll_at = 0, 304, "", None
        state.last_success_at = now
        state.save()
        return NOT_MODIFIED
    if response.status_code != 200:
        return _fail(state, response.status_code, f"HTTP {response.status_code}")
    source = feed.get("source") or name

    def records_of(body: bytes):
        import json

        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise OutageError([{"path": "", "reason": f"JSON: {exc}"}])
        records = [parse_record(item, path, default_source=source) for path, item in feed_items(data)]
        for rec in records:
            rec.source = source  # a feed speaks for its own source only
        return records

    try:
        _ingest(response.content, "feed", network, records_of, content_type=response.headers.get("Content-Type", ""),
                origin=feed["url"], end_missing_source=source)
    except OutageError as exc:
        return _fail(state, 200, str(exc))
    state.etag = response.headers.get("ETag", "")
    state.last_modified = response.headers.get("Last-Modified", "")
    state.failures, state.last_status, state.last_error, state.next_poll_at = 0, 200, "", None
    state.last_success_at = now
    state.save()
    return INGESTED


def poll_due_feeds() -> dict:
    return {name: poll_feed(name) for name in settings.POWER_OUTAGE_FEEDS}
