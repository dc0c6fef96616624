"""Outage feed polling end to end: a real local HTTP server serving a feed answer, a real Celery
worker running the beat task, ETag/304, an outage absent from a later answer ended, 500 and backoff."""
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from power.models import OutageRaw, PowerOutage
from power.services import feeds
from power.tasks import poll_outage_feeds
from resilience.models import FeedState

pytestmark = pytest.mark.integration
SAMPLE = (Path(__file__).parent / "fixtures" / "outages_feed.geojson").read_bytes()


class FeedServer:
    def __init__(self, body: bytes):
        self.body, self.fail, self.requests = body, False, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.requests.append(dict(self.headers))
                etag = '"' + hashlib.sha256(server.body).hexdigest()[:16] + '"'
                if server.fail:
                    self.send_response(500)
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/geo+json")
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/coupures"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_feed_polled_by_beat_updated_and_ended(net, nro_supply, celery_worker, settings):
    with FeedServer(SAMPLE) as server:
        settings.POWER_OUTAGE_FEEDS = {"enedis-29": {"url": server.url, "network": "net-a", "source": "Enedis",
                                                     "headers": {"X-Api-Key": "k"}}}
        assert poll_outage_feeds.delay().get(timeout=60) == {"enedis-29": "ingested"}
        outages = {o.reference: o for o in PowerOutage.objects.all()}
        assert sorted(outages) == ["ENE-29-0001", "ENE-29-0002"]
        first = outages["ENE-29-0001"]
        assert first.source == "Enedis" and [c.insee for c in first.communes.all()] == ["29232"]
        assert first.start.isoformat() == "2026-11-02T00:10:00+00:00" and first.expected_end is not None
        assert outages["ENE-29-0002"].communes.count() == 0 and not outages["ENE-29-0002"].area.empty
        assert server.requests[0]["X-Api-Key"] == "k"
        assert OutageRaw.objects.get().channel == "feed"

        assert feeds.poll_feed("enedis-29") == "not_modified"  # ETag: 304
        assert server.requests[-1]["If-None-Match"]

        # the next answer no longer lists ENE-29-0002 and moves the expected end of ENE-29-0001
        data = json.loads(SAMPLE)
        data["features"] = data["features"][:1]
        data["features"][0]["properties"]["expected_end"] = "2026-11-03T12:00:00+01:00"
        server.body = json.dumps(data).encode()
        assert feeds.poll_feed("enedis-29") == "ingested"
        first.refresh_from_db()
        assert first.expected_end.isoformat() == "2026-11-03T11:00:00+00:00" and first.ended_at is None
        assert PowerOutage.objects.get(reference="ENE-29-0002").ended_at is not None
        assert PowerOutage.objects.count() == 2

        server.fail = True
        assert feeds.poll_feed("enedis-29") == "failed"
        state = FeedState.objects.get(name="power:enedis-29")
        assert state.failures == 1 and state.last_status == 500 and state.next_poll_at
        assert feeds.poll_feed("enedis-29") == "backing_off"


def test_refused_feed_answer_is_kept_raw_and_counts_as_a_failure(net, db, settings):
    with FeedServer(b'{"outages": [{"communes": ["00000"], "start": "x"}]}') as server:
        settings.POWER_OUTAGE_FEEDS = {"bad": {"url": server.url, "network": "net-a"}}
        assert feeds.poll_feed("bad") == "failed"
        raw = OutageRaw.objects.get()
        assert raw.outcome == "rejected" and {e["path"] for e in raw.error} == {"outages.0.communes.0", "outages.0.start"}
        assert "outages.0.start" in FeedState.objects.get(name="power:bad").last_error
