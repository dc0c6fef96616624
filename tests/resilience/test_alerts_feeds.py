"""Feed polling end to end: a real local HTTP server (http.server in a thread) serving the
reference vigilance file, a real Celery worker running poll_feeds, ETag/304, 500 and backoff."""
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import override_settings

from resilience.models import Alert, ExposureRun, FeedState, Lifecycle, RawMessage
from resilience.services import feeds
from resilience.services.ingest import ingest_payload
from resilience.tasks import poll_feeds
from tests.builders import build_small_network

from .capdocs import cap

SAMPLE = (Path(__file__).parent / "fixtures" / "vigilance" / "raw_warning_current_phenomenons.json").read_bytes()


class FeedServer:
    """Serves `body` with an ETag; answers 304 to a matching If-None-Match; `fail` forces a 500."""

    def __init__(self, body: bytes):
        self.body, self.fail, self.requests = body, False, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
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
                self.send_header("Content-Type", "application/json")
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", "Thu, 04 Jun 2020 14:00:00 GMT")
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/warning/currentphenomenons"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.django_db(transaction=True)
def test_vigilance_polling_with_a_real_worker_304_and_change(transactional_db, celery_worker):
    with FeedServer(SAMPLE) as server, override_settings(
        ALERT_FEEDS={"mf": {"url": server.url, "format": "vigilance", "headers": {"apikey": "k"}}},
        ALERTS_REFUSE_EXPIRED=False,  # the reference bulletin is from June 2020
    ):
        assert poll_feeds.delay().get(timeout=60) == {"mf": feeds.INGESTED}
        assert sorted(Alert.objects.active(now=None).values_list("hazard", "level")) in (
            [("snow_ice", 3), ("thunderstorm", 2)], [])  # active() compares with now: the sample is expired
        assert sorted(Alert.objects.filter(lifecycle=Lifecycle.ACTIVE).values_list("hazard", "level")) == [
            ("snow_ice", 3), ("thunderstorm", 2)]
        assert server.requests[0]["apikey"] == "k"
        assert poll_feeds.delay().get(timeout=60) == {"mf": feeds.NOT_MODIFIED}
        assert server.requests[-1]["If-None-Match"] and server.requests[-1]["If-Modified-Since"]
        assert RawMessage.objects.count() == 1  # a 304 stores nothing
        changed = json.loads(SAMPLE)
        changed["update_time"] += 3600
        for item in changed["phenomenons_max_colors"]:
            if item["phenomenon_id"] == "3":
                item["phenomenon_max_color_id"] = 1  # thunderstorm back to green
        server.body = json.dumps(changed).encode()
        assert poll_feeds.delay().get(timeout=60) == {"mf": feeds.INGESTED}
    assert Alert.objects.get(hazard="thunderstorm").lifecycle == Lifecycle.ENDED
    snow = Alert.objects.filter(hazard="snow_ice").order_by("pk")
    assert [a.lifecycle for a in snow] == [Lifecycle.SUPERSEDED, Lifecycle.ACTIVE]


@pytest.mark.django_db
def test_server_error_backs_off_exponentially():
    with FeedServer(SAMPLE) as server, override_settings(
        ALERT_FEEDS={"mf": {"url": server.url, "format": "vigilance"}}, ALERTS_FEED_BACKOFF_BASE=60,
        ALERTS_FEED_BACKOFF_MAX=3600, ALERTS_REFUSE_EXPIRED=False,
    ):
        server.fail = True
        assert feeds.poll_feed("mf") == feeds.FAILED
        state = FeedState.objects.get(name="mf")
        assert (state.failures, state.last_status) == (1, 500)
        first_delay = (state.next_poll_at - state.last_polled_at).total_seconds()
        assert feeds.poll_feed("mf") == feeds.BACKING_OFF and len(server.requests) == 1  # not even asked
        assert feeds.poll_feed("mf", force=True) == feeds.FAILED
        state.refresh_from_db()
        assert state.failures == 2
        assert (state.next_poll_at - state.last_polled_at).total_seconds() == pytest.approx(2 * first_delay, abs=1)
        server.fail = False
        assert feeds.poll_feed("mf", force=True) == feeds.INGESTED
        state.refresh_from_db()
        assert (state.failures, state.next_poll_at, state.last_status) == (0, None, 200)


@pytest.mark.django_db
def test_unreachable_feed_fails_within_the_timeout():
    with override_settings(ALERT_FEEDS={"dead": {"url": "http://127.0.0.1:9/", "format": "cap"}}, ALERTS_FEED_TIMEOUT=2):
        assert feeds.poll_feed("dead") == feeds.FAILED
        assert "ConnectionError" in FeedState.objects.get(name="dead").last_error


@pytest.mark.django_db(transaction=True)
def test_created_alert_gets_its_exposure_from_the_worker(transactional_db, celery_worker):
    build_small_network()
    alert = ingest_payload(cap(), "cap").alerts[0]
    deadline = time.monotonic() + 60
    while not ExposureRun.objects.filter(alert=alert).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    run = ExposureRun.objects.get(alert=alert)
    assert run.totals["segments"] == 4
