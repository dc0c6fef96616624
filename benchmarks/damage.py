"""Damage-model calibration (docs/damage-model.md): a red wind alert (level 4) over the whole
département of a generated Breton network at several gust speeds, and the expected shares of
damaged poles and of premises without service against the published Ciarán/Dirk bands
(0.3–3 % of poles, 2–30 % of premises).

    .venv/bin/python -m benchmarks damage --network bench-generate [--gusts 150,180,200] [--departement 29] [--restoration]

Nothing is kept: each alert is ingested and its exposure computed inside a transaction rolled back.
"""
import argparse
import json
import os
import time

from ._common import network_by_slug, setup_django

BANDS = {"poles": (0.003, 0.03), "premises": (0.02, 0.30)}


def calibrate(network, gusts=(150, 180, 200), departement=None) -> dict:
    """{gust: figures} for a red wind alert over the network's département (or `departement`)."""
    from django.db import transaction

    from network.models import Departement
    from resilience.services import exposure as exposure_service
    from resilience.services.ingest import ingest_payload

    code = departement or network.departement_id or "29"
    geom = Departement.objects.get(code=code).geom.transform(4326, clone=True)
    out = {}
    for gust in gusts:
        doc = {"type": "Feature", "geometry": json.loads(geom.json),
               "properties": {"hazard": "wind", "level": 4, "gust_kmh": gust, "network": network.slug,
                              "headline": f"calibration {gust} km/h"}}
        with transaction.atomic():
            alert = ingest_payload(json.dumps(doc).encode(), "geojson", network=network, allow_expired=True).alerts[0]
            start = time.perf_counter()
            run = exposure_service.run_exposure(alert, network)
            seconds = time.perf_counter() - start
            t = run.totals
            poles, premises = t["poles_in_area"], t["premises_in_area"]
            row = {
                "poles_in_area": poles, "expected_damaged_poles": round(t["expected_damaged_poles"], 1),
                "poles_share": round(t["expected_damaged_poles"] / poles, 4) if poles else None,
                "premises_in_area": premises, "expected_premises_cut": round(t["expected_premises_cut"], 1),
                "premises_share": round(t["expected_premises_cut"] / premises, 4) if premises else None,
                "worst_case_premises_cut": t.get("premises_cut"), "seconds": round(seconds, 2),
            }
            row["within_bands"] = bool(
                row["poles_share"] is not None and BANDS["poles"][0] <= row["poles_share"] <= BANDS["poles"][1]
                and row["premises_share"] is not None
                and BANDS["premises"][0] <= row["premises_share"] <= BANDS["premises"][1])
            out[str(gust)] = row
            transaction.set_rollback(True)
    return out


def restoration(network, gust=180.0, departement=None) -> dict:
    """Time the restoration outlook of a crisis over the red wind alert, before any ticket (plan from
    one seeded draw of the expected damage); rolled back."""
    from django.db import transaction

    from incidents.models import Crisis
    from network.models import Departement
    from resilience.services import exposure as exposure_service
    from resilience.services.ingest import ingest_payload
    from restoration.services.plan import restoration_outlook

    code = departement or network.departement_id or "29"
    geom = Departement.objects.get(code=code).geom.transform(4326, clone=True)
    doc = {"type": "Feature", "geometry": json.loads(geom.json),
           "properties": {"hazard": "wind", "level": 4, "gust_kmh": gust, "network": network.slug}}
    with transaction.atomic():
        alert = ingest_payload(json.dumps(doc).encode(), "geojson", network=network, allow_expired=True).alerts[0]
        exposure_service.run_exposure(alert, network)
        crisis = Crisis.objects.create(name="benchmark", alert_ids=[alert.pk])
        crisis.networks.add(network)
        start = time.perf_counter()
        outlook = restoration_outlook(crisis)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    t = outlook["totals"]
    hours = (t["end"] - outlook["at"]).total_seconds() / 3600 if t.get("end") else None
    return {"gust_kmh": gust, "seconds": round(seconds, 2), "source": outlook["source"], "teams": outlook["teams"]["teams"],
            "damaged_assets": t["damaged_assets"], "premises_without_service": t["premises_without_service"],
            "communes": len(outlook["communes"]), "curve_points": len(outlook["curve"]),
            "repairs_end_after_hours": round(hours, 1) if hours is not None else None}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", default="bench-generate")
    parser.add_argument("--gusts", default="150,180,200")
    parser.add_argument("--departement", default=None)
    parser.add_argument("--restoration", action="store_true", help="also time the restoration outlook at 180 km/h")
    args = parser.parse_args(argv)
    setup_django()
    network = network_by_slug(args.network)
    figures = {"benchmark": "damage", "network": args.network, "load_average": [round(x, 2) for x in os.getloadavg()],
               "bands": BANDS, "gusts": calibrate(network, [float(g) for g in args.gusts.split(",")], args.departement)}
    if args.restoration:
        figures["restoration"] = restoration(network, departement=args.departement)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
