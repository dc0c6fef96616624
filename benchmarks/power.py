"""Benchmark of the power prediction on a kept generated network: every NRO and PM/SRO made an
active site (4 h of battery), one outage over every commune of the network, then

- `network_power_state` (every site's state, dark_at and impact through the impact engine), cold
  (graph built) and warm;
- the dispatch plan with 10 mobile generators;
- `check_network` (the beat's event emission: one notice + outbox event per site).

Everything is rolled back at the end (the network is left as it was).

    .venv/bin/python -m benchmarks.power --network bench-generate [--repeat 5]
"""
import argparse
import json
import time

from benchmarks._common import network_by_slug, setup_django, summarise, timed


def run(slug: str, repeat: int) -> dict:
    from django.contrib.gis.db.models import Union
    from django.contrib.gis.geos import MultiPolygon
    from django.db import transaction
    from django.utils import timezone

    from network.models import Commune, Premises, Site
    from power.models import MobileGenerator, PowerOutage, PowerSupply
    from power.services.dispatch import plan
    from power.services.notices import check_network
    from power.services.prediction import network_power_state
    from resilience.services.graph import graph_cache

    network = network_by_slug(slug)
    figures = {"benchmark": "power", "network": slug}
    with transaction.atomic():
        sites = list(Site.objects.filter(network=network, site_type__in=["NRO", "SROL", "SRO"]))
        PowerSupply.objects.bulk_create(PowerSupply(network=network, site=s, battery_hours=4, mobile_connectable=True)
                                        for s in sites)
        insees = set(Premises.objects.filter(network=network).exclude(commune=None).values_list("commune_id", flat=True))
        area = Commune.objects.filter(insee__in=insees).aggregate(u=Union("geom"))["u"]
        area = area if area.geom_type == "MultiPolygon" else MultiPolygon(area, srid=2154)
        PowerOutage.objects.create(network=network, area=area, start=timezone.now() - timedelta_hours(3.5))
        nro = next(s for s in sites if s.site_type == "NRO")
        MobileGenerator.objects.create(network=network, name="bench", depot=nro.geom, count=10, runtime_hours=24)
        figures.update(active_sites=len(sites), communes=len(insees), premises=Premises.objects.filter(network=network).count())
        graph_cache.clear()
        state, cold = timed(network_power_state, network)
        figures["state_cold_ms"] = round(cold, 1)
        figures["on_battery"] = state["totals"]["on_battery"]
        figures["premises_cut_predicted"] = state["totals"]["premises_cut_predicted"]
        figures["state_warm"] = summarise([timed(network_power_state, network)[1] for _ in range(repeat)])
        result, ms = timed(plan, network)
        figures["dispatch_ms"] = round(ms, 1)
        figures["dispatch_premises_saved"] = result["premises_saved"]
        emitted, ms = timed(check_network, network)
        figures["check_network_ms"] = round(ms, 1)
        figures["events_emitted"] = len(emitted)
        transaction.set_rollback(True)
    return figures


def timedelta_hours(hours: float):
    from datetime import timedelta

    return timedelta(hours=hours)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.power")
    parser.add_argument("--network", default="bench-generate")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    setup_django()
    start = time.perf_counter()
    figures = run(args.network, args.repeat)
    figures["total_seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
