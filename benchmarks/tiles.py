"""Vector tile benchmark: p50/p95 per layer at z12 and z14 over the densest commune of a network.

Target (issue 4): p95 < 50 ms per tile at département scale (300 k premises).

    python -m benchmarks tiles --network SLUG [--zooms 12,14] [--layers routes,premises] [--repeat 2]
    python -m benchmarks.tiles --network SLUG            # the same, without the dispatcher

What is timed: `network.services.tiles.render_tile` (the tile's frame — Lambert-93 box and
affine map —, the SQL: index lookup, ST_AsMVTGeom, ST_AsMVT, and reading the bytes), for every
tile covering the commune, each layer, in `repeat` passes (the first pass reads cold pages; the
figures are over all passes and over the last one). Cold: there is no tile cache, and the memo of
tile frames (`geo.tile_frame`) is emptied before every pass, so every figure pays the whole tile.
With `--http-user USERNAME` (an existing account with access to the network, e.g. the demo's
`admin`) the whole view is timed too: authentication, network resolution, ETag, response.
Nothing is written to the database.
"""
import argparse
import json
import math
import os
import sys

from ._common import densest_commune, network_by_slug, setup_django, summarise, timed, user_for_http

DEFAULT_LAYERS = ("routes", "cables", "premises", "supports", "enclosures", "sites", "communes")


def tiles_covering(extent_4326: tuple, z: int, limit: int) -> list[tuple]:
    """XYZ tiles at zoom z covering a WGS84 box, at most `limit` (taken evenly across the box)."""
    def tile(lon, lat):
        n = 1 << z
        return (int((lon + 180) / 360 * n),
                int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))

    minlon, minlat, maxlon, maxlat = extent_4326
    x0, y0 = tile(minlon, maxlat)
    x1, y1 = tile(maxlon, minlat)
    tiles = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    if len(tiles) > limit:
        step = len(tiles) / limit
        tiles = [tiles[int(i * step)] for i in range(limit)]
    return tiles


def run(network: str, zooms=(12, 14), layers=DEFAULT_LAYERS, repeat: int = 2, max_tiles: int = 64,
        http_user: str | None = None) -> dict:
    """Time the tiles of `network` over its densest commune; returns the figures as a dict."""
    setup_django()
    from network.services.geo import tile_frame
    from network.services.summary import network_summary
    from network.services.tiles import render_tile

    net = network_by_slug(network)
    commune, premises_count = densest_commune(net)
    extent = commune.geom.transform(4326, clone=True).extent
    summary = network_summary(net)
    user = user_for_http(http_user)
    figures = {"network": net.slug, "version": net.version, "counts": summary.counts,
               "commune": {"insee": commune.insee, "name": commune.name, "premises": premises_count},
               "target_p95_ms": 50, "cache": "none (cold)",
               "load_average_start": [round(v, 2) for v in os.getloadavg()], "zooms": {}}
    for z in zooms:
        tiles = tiles_covering(extent, z, max_tiles)
        per_layer = {}
        for layer in layers:
            all_times, last_times, sizes, empty = [], [], [], 0
            for attempt in range(repeat):
                tile_frame.cache_clear()
                for (tz, tx, ty) in tiles:
                    data, ms = timed(render_tile, net, layer, tz, tx, ty, summary=summary)
                    all_times.append(ms)
                    if attempt == repeat - 1:
                        last_times.append(ms)
                        sizes.append(len(data))
                        empty += not data
            entry = {"tiles": len(tiles), "empty": empty, "all_passes": summarise(all_times),
                     "warm": summarise(last_times), "bytes_max": max(sizes), "bytes_mean": round(sum(sizes) / len(sizes))}
            if user is not None:
                entry["http"] = _time_http(user, net, layer, tiles)
            per_layer[layer] = entry
        figures["zooms"][z] = per_layer
    figures["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    return figures


def _time_http(user, net, layer, tiles) -> dict:
    from rest_framework.test import APIRequestFactory, force_authenticate

    from network.api.tiles import TileView

    factory, view, times = APIRequestFactory(), TileView.as_view(), []
    for (z, x, y) in tiles:
        request = factory.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf", {"network": net.slug})
        force_authenticate(request, user=user)
        response, ms = timed(view, request, layer=layer, z=str(z), x=str(x), y=str(y))
        if response.status_code not in (200, 204):
            raise SystemExit(f"benchmarks: tile {layer}/{z}/{x}/{y} answered {response.status_code} for {user}")
        times.append(ms)
    return summarise(times)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network", required=True, help="network slug")
    parser.add_argument("--zooms", default="12,14", help="comma-separated zoom levels (default 12,14)")
    parser.add_argument("--layers", default=",".join(DEFAULT_LAYERS), help="comma-separated tile layers")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the tiles (default 2)")
    parser.add_argument("--max-tiles", type=int, default=64, help="tiles per zoom at most (default 64)")
    parser.add_argument("--http-user", help="also time the whole view as this existing user")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")


def run_from_args(args: argparse.Namespace) -> dict:
    return run(args.network, zooms=tuple(int(z) for z in args.zooms.split(",")),
               layers=tuple(args.layers.split(",")), repeat=args.repeat, max_tiles=args.max_tiles,
               http_user=args.http_user)


def report(figures: dict) -> str:
    c = figures["commune"]
    lines = [f"tiles of {figures['network']} (v{figures['version']}) over {c['name']} ({c['insee']}, "
             f"{c['premises']} premises); target p95 < {figures['target_p95_ms']} ms; no cache; "
             f"load average {figures['load_average_start'][0]} → {figures['load_average_end'][0]}",
             f"{'z':>3} {'layer':<11} {'tiles':>5} {'empty':>5} {'p50':>7} {'p95':>7} {'warm p95':>8} "
             f"{'max B':>8} {'http p95':>8}"]
    for z, layers in figures["zooms"].items():
        for layer, e in layers.items():
            http = f"{e['http']['p95_ms']:>8}" if "http" in e else f"{'-':>8}"
            lines.append(f"{z:>3} {layer:<11} {e['tiles']:>5} {e['empty']:>5} {e['all_passes']['p50_ms']:>7} "
                         f"{e['all_passes']['p95_ms']:>7} {e['warm']['p95_ms']:>8} {e['bytes_max']:>8} {http}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks tiles", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    figures = run_from_args(args)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
