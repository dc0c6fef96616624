"""Benchmark: the crisis path at département scale, through HTTP against a running instance (issue 18).

    .venv/bin/python -m benchmarks crisis [--base-url http://127.0.0.1:8000] [--network bench-generate]
                                          [--departement 29] [--token TOKEN] [--tiles 20]

1. POSTs a red wind alert (GeoJSON Feature) over the whole département (its geometry from the
   shipped boundaries, simplified to 20 m so the body stays under the alerts' payload limit) and
   polls its exposure (`GET /api/v1/alerts/<id>/exposure/?network=SLUG`, every 0.1 s) until it
   answers 200: `post_to_visible_s` is from the POST's start to that answer (the exposure's
   figures: what the area covers; the impact follows, resilience/services/exposure.py).
2. The exposure GET once more (time, bytes); then, once its impact is in (`impact.ready`,
   `post_to_impact_ready_s`: premises cut, worst and expected) and its asset list copied
   (`assets.ready`, `post_to_assets_ready_s`), the first page of its exposed assets (time, bytes).
3. `POST /api/v1/impact/` of 5 random segments, three times (the first pays what the web
   process has not loaded yet; a 503 while the worker builds the graph is counted and retried).
4. Exposure tiles of the alert at z10–z14 around the densest commune: p50/p95 and bytes per zoom;
   the same tiles a second time (`exposure_tiles_cached`: another screen, the shared tile cache); then
   the network's own `routes` tiles of the same grid cells (`network_routes_tiles`), the reference.

The token is issued from the checkout (user bench-crisis, operator agent of the network's
operator) unless --token is given. The alert is cancelled at the end (CAP-free: lifecycle set
from the checkout), its runs retired and the exposed-asset table vacuumed, so that a following
run is not measured beside that clean-up; nothing else is created.
Prints one JSON object.
"""
import argparse
import json
import math
import os
import random
import time
from datetime import timedelta

from ._common import densest_commune, network_by_slug, percentile, setup_django


def tile_of(lon, lat, z):
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def alert_feature(network, departement_code: str) -> dict:
    from django.utils import timezone

    from network.models import Departement

    geom = Departement.objects.get(code=departement_code).geom.simplify(20, preserve_topology=True)
    geom.transform(4326)
    now = timezone.now()
    return {"type": "Feature", "geometry": json.loads(geom.json),
            "properties": {"hazard": "wind", "level": 4, "network": network.slug, "headline": "benchmark crisis",
                           "onset": now.isoformat(), "expires": (now + timedelta(hours=6)).isoformat()}}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks crisis")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--network", default="bench-generate")
    parser.add_argument("--departement", default="29")
    parser.add_argument("--token", default=None, help="API token (default: one issued for user bench-crisis)")
    parser.add_argument("--tiles", type=int, default=20, help="tiles per zoom level")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the exposure")
    args = parser.parse_args(argv)
    setup_django()
    import requests
    from django.contrib.gis.db.models.functions import Transform

    from network.models import Premises, RouteSegment
    from resilience.models import Alert, Lifecycle

    network = network_by_slug(args.network)
    token = args.token
    if not token:
        from organisations.services import issue_token

        token = issue_token("bench-crisis", network.operator or network.owner, "operator_agent")[1]
    http = requests.Session()
    http.headers["Authorization"] = f"Token {token}"
    base = args.base_url.rstrip("/")
    figures = {"benchmark": "crisis", "network": network.slug, "base_url": base,
               "load_average": [round(x, 2) for x in os.getloadavg()]}

    body = json.dumps(alert_feature(network, args.departement)).encode()
    figures["alert_body_bytes"] = len(body)
    started = time.perf_counter()
    response = http.post(f"{base}/api/v1/alerts/", data=body, headers={"Content-Type": "application/geo+json"})
    figures["alert_post_s"] = round(time.perf_counter() - started, 2)
    if response.status_code not in (200, 201):
        raise SystemExit(f"alert POST answered {response.status_code}: {response.text[:500]}")
    alert_id = response.json()["alert"]["id"]
    exposure_url = f"{base}/api/v1/alerts/{alert_id}/exposure/"
    polls = 0
    while True:
        polls += 1
        response = http.get(exposure_url, params={"network": network.slug})
        if response.status_code == 200 and response.json().get("status") != "none":
            break
        if time.perf_counter() - started > args.timeout:
            raise SystemExit(f"exposure not visible after {args.timeout} s (last answer {response.status_code})")
        time.sleep(0.1)
    figures["post_to_visible_s"] = round(time.perf_counter() - started, 2)
    figures["polls"] = polls
    try:
        start = time.perf_counter()
        response = http.get(exposure_url, params={"network": network.slug})
        figures["exposure_get_s"] = round(time.perf_counter() - start, 3)
        figures["exposure_get_bytes"] = len(response.content)
        data = response.json()
        figures["exposed_assets"] = data["assets"]["count"]
        figures["premises_in_area"] = data["totals"].get("premises")
        while not data["impact"].get("ready", True) and time.perf_counter() - started < args.timeout:
            time.sleep(0.1)
            data = http.get(exposure_url, params={"network": network.slug}).json()
        figures["post_to_impact_ready_s"] = round(time.perf_counter() - started, 2)
        figures["premises_cut_worst"] = data["totals"].get("premises_cut")
        figures["premises_cut_expected"] = data["totals"].get("premises_cut_expected")
        while not data["assets"].get("ready", True) and time.perf_counter() - started < args.timeout:
            time.sleep(0.2)
            data = http.get(exposure_url, params={"network": network.slug}).json()
        figures["post_to_assets_ready_s"] = round(time.perf_counter() - started, 2)
        start = time.perf_counter()
        page = http.get(data["assets"]["href"])
        figures["assets_page_s"] = round(time.perf_counter() - start, 3)
        figures["assets_page_bytes"] = len(page.content)
        figures["assets_page_status"] = page.status_code

        codes = list(RouteSegment.objects.filter(network=network).values_list("code", flat=True)[:5000])
        impact = []
        retries = 0
        for _ in range(3):
            cut = random.Random(len(impact)).sample(codes, 5)
            while True:
                start = time.perf_counter()
                response = http.post(f"{base}/api/v1/impact/", json={"network": network.slug, "segments": cut})
                if response.status_code != 503:
                    break
                retries += 1
                time.sleep(float(response.headers.get("Retry-After", 1)))
            impact.append({"s": round(time.perf_counter() - start, 3), "status": response.status_code,
                           "bytes": len(response.content)})
        figures["impact_post"] = impact
        figures["impact_503_retries"] = retries

        commune, _n = densest_commune(network)
        points = list(Premises.objects.filter(network=network, commune=commune).annotate(p=Transform("geom", 4326))
                      .values_list("p", flat=True)[:2000])

        def tile_times(url: str, params: dict) -> dict:
            tiles = {}
            for z in range(10, 15):
                chosen = sorted({tile_of(p.x, p.y, z) for p in points})[: args.tiles]
                times, sizes = [], []
                for x, y in chosen:
                    start = time.perf_counter()
                    response = http.get(url.format(z=z, x=x, y=y), params=params)
                    times.append((time.perf_counter() - start) * 1000)
                    sizes.append(len(response.content))
                tiles[f"z{z}"] = {"n": len(times), "p50_ms": round(percentile(times, 50), 1),
                                  "p95_ms": round(percentile(times, 95), 1), "max_bytes": max(sizes) if sizes else 0}
            return tiles

        exposure_url, exposure_params = f"{base}/tiles/exposure/{{z}}/{{x}}/{{y}}.pbf", {"network": network.slug, "alert": alert_id}
        figures["exposure_tiles"] = tile_times(exposure_url, exposure_params)
        # the same tiles again, as the crisis cell's other screens fetch them: from the shared tile cache
        figures["exposure_tiles_cached"] = tile_times(exposure_url, exposure_params)
        # the same tiles of the network's own segment layer, through the same HTTP path: the reference
        figures["network_routes_tiles"] = tile_times(f"{base}/tiles/routes/{{z}}/{{x}}/{{y}}.pbf", {"network": network.slug})
    finally:
        Alert.objects.filter(pk=alert_id).update(lifecycle=Lifecycle.CANCELLED)
        # what the sweeper would do within EXPOSURE_SWEEP_SECONDS, done now, then the vacuum
        # autovacuum would start after: deleting 780 000 exposed assets beside the next run's
        # computation cost it 1.5 s (2026-12-03)
        from django.db import connection

        from resilience.models import ExposureRun
        from resilience.services.exposure import retire_runs

        retire_runs(ExposureRun.objects.filter(alert_id=alert_id))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE resilience_exposedasset")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
