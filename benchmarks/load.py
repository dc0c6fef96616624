"""Benchmark: N concurrent API clients against a running instance (issue 20).

    .venv/bin/python -m benchmarks load [--url http://127.0.0.1:8000] [--clients 50] [--seconds 60] [--network SLUG]

Each client (a thread with its own HTTP session and its own API token, so the per-token rate limit
is not what is measured) loops for --seconds over a weighted mix: TMF621 ticket list, create and
patch, alert list (+ an exposure), impact of a random cut, vector tiles. Prints requests per second,
p50/p95/max per kind and every non-2xx/3xx answer or transport error, as JSON on its last line.

The instance is the one serving --url (e.g. `make run`); the benchmark itself runs from the checkout
against the same database to issue its tokens (users bench-load-*) and pick real segment codes
and tiles of the network (default: the first network, the demo's). Tickets it creates stay, named
"bench load".
"""
import argparse
import json
import math
import random
import threading
import time
from collections import defaultdict

from ._common import percentile, setup_django

MIX = [("tickets_list", 25), ("ticket_create", 10), ("ticket_patch", 10), ("alerts", 20), ("impact", 15), ("tiles", 20)]
TT = "/tmf-api/troubleTicket/v4/troubleTicket"


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def prepare(network_slug, clients):
    setup_django()
    from django.contrib.gis.db.models.functions import Transform

    from network.models import Network, RouteSegment
    from organisations.services import issue_token

    network = Network.objects.get(slug=network_slug) if network_slug else Network.objects.order_by("pk").first()
    if network is None:
        raise SystemExit("no network: run `make run` once (demo) or pass --network")
    org = network.operator or network.owner
    tokens = [issue_token(f"bench-load-{i}", org, "operator_agent")[1] for i in range(clients)]
    segments = list(RouteSegment.objects.filter(network=network).values_list("code", flat=True)[:2000])
    points = (RouteSegment.objects.filter(network=network).annotate(p=Transform("geom", 4326))
              .values_list("p", flat=True)[:200])
    tiles = sorted({(z, *tile_of(p.centroid.x, p.centroid.y, z)) for p in points for z in (12, 14)})
    return network, tokens, segments, tiles


class Client(threading.Thread):
    def __init__(self, base, token, network, segments, tiles, stop_at, record):
        super().__init__(daemon=True)
        import requests

        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Token {token}"
        self.base, self.network, self.segments, self.tile_list = base, network, segments, tiles
        self.stop_at, self.record = stop_at, record
        self.tickets = []
        self.rng = random.Random()

    def call(self, kind, method, path, **kwargs):
        start = time.perf_counter()
        try:
            r = self.http.request(method, self.base + path, timeout=30, **kwargs)
            status = r.status_code
        except Exception as exc:  # noqa: BLE001 - a transport error is an error of the run
            r, status = None, type(exc).__name__
        self.record(kind, (time.perf_counter() - start) * 1000, status)
        return r

    def run(self):
        kinds, weights = zip(*MIX)
        while time.monotonic() < self.stop_at:
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "ticket_patch" and not self.tickets:
                kind = "ticket_create"
            try:
                getattr(self, kind)()
            except Exception as exc:  # noqa: BLE001 - an unexpected answer (bad JSON...) counts as an error
                self.record(kind, 0.0, type(exc).__name__)

    def tickets_list(self):
        self.call("tickets_list", "GET", f"{TT}?limit=20&network={self.network}")

    def ticket_create(self):
        body = {"name": "bench load", "description": "charge", "severity": "minor", "ticketType": "incident",
                "network": self.network,
                "relatedEntity": [{"id": self.rng.choice(self.segments), "@referredType": "RouteSegment", "role": "damaged"}]}
        r = self.call("ticket_create", "POST", TT, json=body)
        if r is not None and r.status_code == 201:
            self.tickets.append(r.json()["id"])

    def ticket_patch(self):
        self.call("ticket_patch", "PATCH", f"{TT}/{self.rng.choice(self.tickets)}",
                  data=json.dumps({"priority": str(self.rng.randint(1, 4))}),
                  headers={"Content-Type": "application/merge-patch+json"})

    def alerts(self):
        r = self.call("alerts", "GET", "/api/v1/alerts/?limit=20")
        if r is not None and r.status_code == 200:
            rows = r.json().get("results", r.json()) if isinstance(r.json(), dict) else r.json()
            if rows:
                self.call("alerts", "GET", f"/api/v1/alerts/{rows[0]['id']}/exposure/?network={self.network}&limit=100")

    def impact(self):
        cut = self.rng.sample(self.segments, min(len(self.segments), self.rng.randint(1, 5)))
        self.call("impact", "POST", "/api/v1/impact/", json={"network": self.network, "segments": cut})

    def tiles(self):
        z, x, y = self.rng.choice(self.tile_list)
        layer = self.rng.choice(["supports", "routes", "premises", "sites"])
        self.call("tiles", "GET", f"/tiles/{layer}/{z}/{x}/{y}.pbf?network={self.network}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks load", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the run (bounded: at most 600)")
    parser.add_argument("--network", default="")
    args = parser.parse_args(argv)
    seconds = min(args.seconds, 600.0)
    network, tokens, segments, tiles = prepare(args.network, args.clients)
    times, errors, lock = defaultdict(list), defaultdict(int), threading.Lock()

    def record(kind, ms, status):
        with lock:
            times[kind].append(ms)
            if not (isinstance(status, int) and status < 400):
                errors[f"{kind} {status}"] += 1

    started = time.monotonic()
    stop_at = started + seconds
    threads = [Client(args.url.rstrip("/"), t, network.slug, segments, tiles, stop_at, record) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.monotonic() - started
    total = sum(len(v) for v in times.values())
    result = {
        "benchmark": "load", "url": args.url, "clients": args.clients, "seconds": round(elapsed, 1), "network": network.slug,
        "requests": total, "rps": round(total / elapsed, 1), "errors": dict(errors), "error_count": sum(errors.values()),
        "kinds": {k: {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p95_ms": round(percentile(v, 95), 1),
                      "max_ms": round(max(v), 1)} for k, v in sorted(times.items())},
    }
    all_times = [ms for v in times.values() for ms in v]
    result["p95_ms"] = round(percentile(all_times, 95), 1) if all_times else None
    print(json.dumps(result))
    return result
