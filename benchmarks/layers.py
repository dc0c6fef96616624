"""GeoJSON layer benchmark: one bbox query of about 5 000 features over the densest commune.

    python -m benchmarks layers --network SLUG [--layer premises] [--features 5000] [--repeat 5]
    python -m benchmarks.layers --network SLUG           # the same, without the dispatcher

The bbox is a square centred on the densest commune's premises, grown until it holds at least
`--features` objects of the layer. What is timed, `repeat` times: the layer queryset in that bbox
(`geom && box`, GiST index) for one page of `--features`, serialized to GeoJSON in EPSG:4326 and
rendered to JSON bytes, plus the page's COUNT, as the API does. With `--http-user USERNAME` (an
existing account) the whole view is timed too. Nothing is written to the database.
"""
import argparse
import json
import sys

from ._common import densest_commune, network_by_slug, setup_django, summarise, timed, user_for_http


def bbox_holding(net, layer: str, centre, wanted: int) -> tuple[tuple, int]:
    """A WGS84 bbox around `centre` (2154 Point) holding at least `wanted` features (or all)."""
    from django.contrib.gis.geos import Polygon

    from network.services.layers import layer_queryset

    half = 250.0
    total = layer_queryset(layer, net).count()
    while True:
        box = Polygon.from_bbox((centre.x - half, centre.y - half, centre.x + half, centre.y + half))
        box.srid = 2154
        box.transform(4326)
        bbox = tuple(round(v, 7) for v in box.extent)
        n = layer_queryset(layer, net, bbox).count()
        if n >= wanted or n >= total or half > 200_000:
            return bbox, n
        half *= 1.5 if n > wanted / 4 else 2


def run(network: str, layer: str = "premises", features: int = 5000, repeat: int = 5,
        http_user: str | None = None) -> dict:
    setup_django()
    from rest_framework.renderers import JSONRenderer

    from network.api.serializers import LAYER_SERIALIZERS
    from network.models import Premises
    from network.services.layers import layer_queryset

    net = network_by_slug(network)
    commune, premises_count = densest_commune(net)
    centre = Premises.objects.filter(network=net, commune=commune).order_by("code")[:1].get().geom
    bbox, in_bbox = bbox_holding(net, layer, centre, features)
    serializer_class = LAYER_SERIALIZERS[layer]

    def one_page():
        queryset = layer_queryset(layer, net, bbox)
        count = queryset.count()
        data = serializer_class(queryset.values(*serializer_class.value_fields())[:features], many=True).data
        return count, JSONRenderer().render(data)

    times, size, count = [], 0, 0
    for _ in range(repeat):
        (count, body), ms = timed(one_page)
        times.append(ms)
        size = len(body)
    returned = min(count, features)
    figures = {"network": net.slug, "layer": layer, "bbox": bbox, "features_in_bbox": in_bbox,
               "features_returned": returned, "bytes": size,
               "commune": {"insee": commune.insee, "name": commune.name, "premises": premises_count},
               "service": summarise(times)}
    user = user_for_http(http_user)
    if user is not None:
        figures["http"] = _time_http(user, net, layer, bbox, features, repeat)
    return figures


def _time_http(user, net, layer, bbox, features, repeat) -> dict:
    from rest_framework.test import APIRequestFactory, force_authenticate

    from network.api.views import layer_view

    factory, view, times = APIRequestFactory(), layer_view(layer).as_view(), []
    params = {"network": net.slug, "bbox": ",".join(map(str, bbox)), "page_size": features}
    for _ in range(repeat):
        request = factory.get(f"/api/v1/network/{layer}/", params)
        force_authenticate(request, user=user)

        def call(request=request):
            response = view(request)
            response.render()
            return response

        response, ms = timed(call)
        if response.status_code != 200:
            raise SystemExit(f"benchmarks: layer {layer} answered {response.status_code} for {user}")
        times.append(ms)
    return summarise(times)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network", required=True, help="network slug")
    parser.add_argument("--layer", default="premises", help="layer (default premises)")
    parser.add_argument("--features", type=int, default=5000, help="features wanted in the bbox (default 5000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--http-user", help="also time the whole view as this existing user")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")


def run_from_args(args: argparse.Namespace) -> dict:
    return run(args.network, layer=args.layer, features=args.features, repeat=args.repeat, http_user=args.http_user)


def report(f: dict) -> str:
    line = (f"GeoJSON {f['layer']} of {f['network']}: bbox {f['bbox']} holds {f['features_in_bbox']}, "
            f"{f['features_returned']} returned ({f['bytes'] / 1e6:.1f} MB); service p50 {f['service']['p50_ms']} ms, "
            f"p95 {f['service']['p95_ms']} ms")
    if "http" in f:
        line += f"; HTTP p50 {f['http']['p50_ms']} ms, p95 {f['http']['p95_ms']} ms"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks layers", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    figures = run_from_args(args)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
