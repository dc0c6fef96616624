"""Reports benchmark (issue 17): the commune summary and its PDF, and a département-wide situation
report, on a kept network under a red wind alert over the whole département with open tickets.

    python -m benchmarks reports --network bench-generate [--tickets 40] [--communes 10] [--repeat 3]

What is timed, through Django's test client as a superuser (the whole view: queries, map, template,
WeasyPrint): `GET /communes/<insee>/` and `/communes/<insee>/pdf/` for the largest commune, first
call (cold: nothing cached for this network version and alert state) then `--repeat` warm calls;
then the first (cold) call of both for the next `--communes` largest communes; then
`publish_sitrep` (figures of every commune of the département) and its PDF. Everything is written
in one transaction rolled back at the end: the alert, the tickets, the crisis leave nothing behind.
"""
import argparse
import json
import os
import sys
import time


def run(network: str, tickets: int = 40, communes: int = 10, repeat: int = 3, departement: str = "29") -> dict:
    from ._common import setup_django

    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Count
    from django.test import Client

    from incidents.models import Crisis
    from incidents.services.tickets import Actor, create_ticket
    from network.models import Departement, Network, Premises, RouteSegment
    from reporting.services.export import as_csv, as_pdf
    from reporting.services.sitreps import publish_sitrep
    from resilience.services.exposure import run_exposure
    from resilience.services.ingest import ingest_payload

    net = Network.objects.get(slug=network)
    largest = list(Premises.objects.filter(network=net).values("commune_id").annotate(n=Count("id"))
                   .order_by("-n").values_list("commune_id", "n")[:communes + 1])
    figures = {"benchmark": "reports", "network": network, "load_average": [round(x, 2) for x in os.getloadavg()],
               "largest_commune": {"insee": largest[0][0], "premises": largest[0][1]}}

    def timed(fn, *a, **kw):
        start = time.perf_counter()
        out = fn(*a, **kw)
        return out, round(time.perf_counter() - start, 3)

    with transaction.atomic():
        area = Departement.objects.get(code=departement).geom.transform(4326, clone=True)
        doc = {"type": "Feature", "geometry": json.loads(area.json),
               "properties": {"hazard": "wind", "level": 4, "network": net.slug, "headline": "benchmark"}}
        alert = ingest_payload(json.dumps(doc).encode(), "geojson", network=net).alerts[0]
        _, figures["exposure_s"] = timed(run_exposure, alert, net)
        user, _ = get_user_model().objects.get_or_create(username="bench-reports", defaults={"is_superuser": True})
        actor = Actor(user=user, organisation=net.owner, base_url="http://bench/tmf-api/troubleTicket/v4/", name="bench")
        crisis = Crisis.objects.create(name="Benchmark", level="crisis")
        crisis.networks.add(net)
        codes = list(RouteSegment.objects.filter(network=net, laying_mode__in=["0", "1"]).order_by("?")
                     .values_list("code", flat=True)[:tickets])
        for code in codes:
            create_ticket(net, {"description": "bench", "severity": "major", "ticket_type": "incident"},
                          [{"id": code, "@referredType": "RouteSegment", "role": "damaged"}], [], actor)
        client = Client()
        client.force_login(user)

        def get(url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        insee = largest[0][0]
        for kind, url in (("summary", f"/communes/{insee}/"), ("pdf", f"/communes/{insee}/pdf/")):
            _, cold = timed(get, url)
            warm = [timed(get, url)[1] for _ in range(repeat)]
            figures[f"largest_{kind}"] = {"cold_s": cold, "warm_s": warm}
        others = {}
        for code, n in largest[1:]:
            _, s = timed(get, f"/communes/{code}/")
            _, p = timed(get, f"/communes/{code}/pdf/")
            others[code] = {"premises": n, "summary_cold_s": s, "pdf_cold_s": p}
        figures["next_largest_cold"] = others
        figures["next_largest_max_s"] = max([max(v["summary_cold_s"], v["pdf_cold_s"]) for v in others.values()] or [0])
        report, figures["sitrep_publish_s"] = timed(publish_sitrep, crisis)
        _, figures["sitrep_pdf_s"] = timed(as_pdf, report)
        _, figures["sitrep_csv_s"] = timed(as_csv, report)
        figures["sitrep_total_s"] = round(figures["sitrep_publish_s"] + figures["sitrep_pdf_s"], 3)
        figures["sitrep_communes"] = len(report.figures["communes"])
        figures["sitrep_communes_touched"] = report.figures["totals"]["communes_touched"]
        figures["sitrep_without_service"] = report.figures["totals"]["without_service"]
        transaction.set_rollback(True)
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks reports", description=__doc__.split("\n")[0])
    parser.add_argument("--network", default="bench-generate")
    parser.add_argument("--departement", default="29")
    parser.add_argument("--tickets", type=int, default=40)
    parser.add_argument("--communes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.network, args.tickets, args.communes, args.repeat, args.departement)))


if __name__ == "__main__":
    sys.exit(main())
