"""Polling of a distribution operator's outage feeds (settings.POWER_OUTAGE_FEEDS), run by beat.

A feed answers JSON: a list of outage records, `{"outages": [...]}` or a GeoJSON
FeatureCollection whose features carry the record in `properties` (and their area as geometry);
records as for POST /api/v1/power-outages/ (docs/power.md). Each feed is configured for one
network and one `source` name. The feed lists the outages in progress: an outage of that source
seen before and absent from a later answer has ended (`ended_at` = poll time).

Conditional GET and exponential backoff as the alert feeds (resilience.services.feeds): the
polling state is a resilience FeedState row named `power:<feed name>`.
"""
import json

from django.conf import settings

from network.models import Network
from resilience.services.feeds import BACKING_OFF, FAILED, INGESTED, NOT_MODIFIED, poll_conditional

from .outages import OutageError, _ingest, feed_items, parse_record

__all__ = ["BACKING_OFF", "FAILED", "INGESTED", "NOT_MODIFIED", "poll_due_feeds", "poll_feed"]


def poll_feed(name: str, *, force: bool = False) -> str:
    feed = settings.POWER_OUTAGE_FEEDS[name]
    network = Network.objects.filter(slug=feed["network"]).first()
    source = feed.get("source") or name

    def records_of(body: bytes):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise OutageError([{"path": "", "reason": f"JSON: {exc}"}])
        records = [parse_record(item, path, default_source=source) for path, item in feed_items(data)]
        for rec in records:
            rec.source = source  # a feed speaks for its own source only
        return records

    def consume(response):
        _ingest(response.content, "feed", network, records_of, content_type=response.headers.get("Content-Type", ""),
                origin=feed["url"], end_missing_source=source)

    status, _ = poll_conditional(
        f"power:{name}", feed["url"], consume, refused=OutageError, headers=feed.get("headers"), force=force,
        precheck=lambda: None if network is not None else f"unknown network {feed['network']!r}",
        label="power outage feed")
    return status


def poll_due_feeds() -> dict:
    return {name: poll_feed(name) for name in settings.POWER_OUTAGE_FEEDS}
