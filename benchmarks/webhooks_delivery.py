"""Benchmark: commit → delivery latency of webhooks (issue 8).

N ticket changes (spread over N/10 tickets, 10 changes each, emitted at --rate changes per second,
each in its own transaction) fanned out to S subscriptions of the ticket's operator, delivered by a
real Celery worker (threads pool) on the real Redis to a real local HTTP receiver. Latency of one
delivery = time the receiver got it − time the change committed. Prints p50/p95/max.

    .venv/bin/python -m benchmarks.webhooks_delivery --changes 1000 --subscribers 10 --rate 10

Runs against the database of DJANGO_SETTINGS_MODULE (default config.settings_test: the local
PostGIS) with Redis database 12 as broker (neither a `make run` worker nor a test run takes its
tasks); it creates organisations named bench-wh-* and deletes them afterwards.
"""
import argparse
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--rate", type=float, default=10.0, help="ticket changes per second")
    parser.add_argument("--concurrency", type=int, default=4, help="worker threads")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings
    from django.db import transaction

    from config.celery import app

    # A Redis database of its own: a test run's worker (database 9) must not take, or purge, these tasks.
    app.conf.broker_url = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/12"
    from organisations.models import Organisation, OrganisationKind
    from webhooks.models import Delivery, DeliveryStatus, OutboxEvent
    from webhooks.services.outbox import emit
    from webhooks.services.subscriptions import create_subscription

    arrivals: dict[tuple[str, str], float] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                arrivals.setdefault((self.headers["webhook-id"], self.path), time.time())
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]

    tag = f"bench-wh-{int(time.time())}"
    syn = Organisation.objects.create(slug=f"{tag}-syn", name="Bench syndicat", kind=OrganisationKind.SYNDICATE)
    oi = Organisation.objects.create(slug=f"{tag}-oi", name="Bench OI", kind=OrganisationKind.OPERATOR)
    for i in range(args.subscribers):
        create_subscription(oi, f"http://127.0.0.1:{server.server_port}/s{i}", source="tmf")
    commits: dict[str, float] = {}
    tickets = max(1, args.changes // 10)
    try:
        app.control.purge()
        with start_worker(app, pool="threads", concurrency=args.concurrency, perform_ping_check=False,
                          shutdown_timeout=30, loglevel="WARNING"):
            started = time.time()
            for n in range(args.changes):
                due = started + n / args.rate
                if due > time.time():
                    time.sleep(due - time.time())
                with transaction.atomic():
                    event = emit("TroubleTicketStateChangeEvent" if n >= tickets else "TroubleTicketCreateEvent",
                                 {"troubleTicket": {"id": f"{tag}-{n % tickets}", "status": "inProgress", "n": n}},
                                 organisations=[syn, oi], subject=f"troubleTicket:{tag}-{n % tickets}")
                commits[str(event.id)] = time.time()
            expected = args.changes * args.subscribers
            deadline = time.time() + 600
            while len(arrivals) < expected and time.time() < deadline:
                time.sleep(0.2)
            elapsed = time.time() - started
    finally:
        server.shutdown()
        stuck = Delivery.objects.filter(subscription__organisation=oi).exclude(status=DeliveryStatus.SUCCEEDED).count()
        OutboxEvent.objects.filter(subject__startswith=f"troubleTicket:{tag}").delete()
        Organisation.objects.filter(slug__startswith=tag).delete()

    latencies = sorted(arrivals[key] - commits[key[0]] for key in arrivals if key[0] in commits)
    if not latencies:
        print("nothing delivered", file=sys.stderr)
        return 1
    q = statistics.quantiles(latencies, n=100)
    print(f"changes={args.changes} subscribers={args.subscribers} rate={args.rate}/s worker threads={args.concurrency}")
    print(f"delivered {len(latencies)}/{args.changes * args.subscribers} in {elapsed:.1f} s, not succeeded: {stuck}")
    print(f"commit → delivery: p50 {q[49]:.3f} s, p95 {q[94]:.3f} s, max {latencies[-1]:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
