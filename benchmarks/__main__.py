"""`python -m benchmarks <name> ...`: generate, exchange, exposure, complex, tiles, layers, impact, impact_fibre, load, reports, crisis.

Dispatches to one benchmark (`--help` on each). Each prints its measured figures as JSON on its last line. Runs against
the database of the current settings (the embedded PostgreSQL under var/ by default).
"""
import argparse
import json
import os
import sys
import time


def _setup():
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def bench_generate(args) -> dict:
    """Generate a network of N premises with generate_rip into a scratch network (deleted after,
    unless --keep) and report wall time and the count of each object type."""
    from django.db import connection, transaction

    from network.models import Network
    from network.services.generator import generate_network
    from network.services.generator.target import clear, prepare_network
    from organisations.models import Organisation, OrganisationKind

    owner, _ = Organisation.objects.get_or_create(slug="bench-syndicate", defaults={"name": "Bench", "kind": OrganisationKind.SYNDICATE})
    operator, _ = Organisation.objects.get_or_create(slug="bench-operator",
                                                     defaults={"name": "Bench OI", "kind": OrganisationKind.OPERATOR})
    slug = args.network
    existing = Network.objects.filter(slug=slug).first()
    if existing:
        with transaction.atomic():
            clear(existing)
    start = time.perf_counter()
    with transaction.atomic():
        network = prepare_network(slug, args.departement, owner.slug, operator.slug)
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            counts = profiler.runcall(generate_network, network, args.departement, args.premises, args.seed,
                                      fibres=args.fibres)
            profiler.dump_stats(args.profile)
        else:
            counts = generate_network(network, args.departement, args.premises, args.seed, fibres=args.fibres)
        network.bump_version()
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT laying_mode, ROUND(SUM(length_m)::numeric / 1000, 1) FROM network_routesegment
               WHERE network_id = %s GROUP BY 1 ORDER BY 1""", [network.pk])
        km_by_mode = {mode: float(km) for mode, km in cursor.fetchall()}
        cursor.execute(
            "SELECT support_type, owner, COUNT(*) FROM network_supportpoint WHERE network_id = %s GROUP BY 1, 2 ORDER BY 1, 2",
            [network.pk])
        supports = {f"{t}/{o}": c for t, o, c in cursor.fetchall()}
    result = {
        "benchmark": "generate", "premises": args.premises, "departement": args.departement, "seed": args.seed,
        "seconds": round(elapsed, 1), **{k: v for k, v in counts.items()}, "km_by_laying_mode": km_by_mode,
        "supports_by_type_owner": supports,
    }
    if not args.keep:
        with transaction.atomic():
            clear(network)
            network.delete()
    return result


def bench_exchange(args) -> dict:
    """GraceTHD export of a kept network, import of that export into an empty network, re-import
    (no-op) — the issue's "import and export of that network"."""
    import tempfile
    from pathlib import Path

    from network.models import Network
    from network.services.generator.target import clear
    from network.services.gracethd import export_network, import_network

    source = Network.objects.get(slug=args.network)
    copy_slug = f"{args.network}-copy"
    existing = Network.objects.filter(slug=copy_slug).first()
    if existing:
        clear(existing)
        existing.delete()
    figures = {"benchmark": "exchange", "network": args.network}
    for version in args.gracethd_versions.split(","):
        existing = Network.objects.filter(slug=copy_slug).first()
        if existing:
            clear(existing)
            existing.delete()
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            rows = export_network(source, Path(tmp) / "out", version=version)
            figures[f"v{version}_export_seconds"] = round(time.perf_counter() - start, 1)
            figures[f"v{version}_rows"] = sum(rows.values())
            start = time.perf_counter()
            result = import_network(Path(tmp) / "out", copy_slug, owner=source.owner.slug,
                                    operator=source.operator.slug if source.operator else None)
            figures[f"v{version}_import_seconds"] = round(time.perf_counter() - start, 1)
            figures[f"v{version}_report_faults"] = len(result.report)
            start = time.perf_counter()
            import_network(Path(tmp) / "out", copy_slug)
            figures[f"v{version}_noop_reimport_seconds"] = round(time.perf_counter() - start, 1)
    if not args.keep:
        copy = Network.objects.get(slug=copy_slug)
        clear(copy)
        copy.delete()
    return figures


def bench_exposure(args) -> dict:
    """Issue 6: a red wind alert drawn over the whole département of a kept network, and an orange
    river flood over one commune (Quimper 29232 by default). Reported apart: `compute` (set-based SQL
    of exposure.compute), `impact_cold` (first service-graph build of that network version in the
    process + worst and expected impact), `impact_warm` (same, graph in cache), and the whole
    `run_exposure` as the worker runs it with a warm graph (SQL, impact, storing the run)."""
    from django.db import transaction
    from django.db.models import Count

    from network.models import Commune, Departement, Network
    from resilience.services import exposure as exposure_service
    from resilience.services.graph import graph_cache
    from resilience.services.ingest import ingest_payload

    network = Network.objects.get(slug=args.network)

    def feature(geom, hazard, level):
        area = geom.transform(4326, clone=True)
        return {"type": "Feature", "geometry": json.loads(area.json),
                "properties": {"hazard": hazard, "level": level, "network": network.slug, "headline": "benchmark"}}

    def timed(fn, *a):
        start = time.perf_counter()
        out = fn(*a)
        return out, round(time.perf_counter() - start, 2)

    cases = [("departement_red_wind", feature(Departement.objects.get(code=args.departement).geom, "wind", 4)),
             (f"commune_{args.commune}_orange_flood", feature(Commune.objects.get(insee=args.commune).geom, "river_flood", 3))]
    figures = {"benchmark": "exposure", "network": args.network, "load_average": [round(x, 2) for x in os.getloadavg()]}
    for name, doc in cases:
        row = {}
        with transaction.atomic():
            alert = ingest_payload(json.dumps(doc).encode(), "geojson", network=network, allow_expired=True).alerts[0]
            result, row["compute_s"] = timed(exposure_service.compute, alert, network)
            if name.startswith("departement"):
                graph_cache.clear()
                _, row["impact_cold_s"] = timed(exposure_service.impact_of_exposure, network, result["exposed"])
            impact, row["impact_warm_s"] = timed(exposure_service.impact_of_exposure, network, result["exposed"])
            row["compute_plus_impact_warm_s"] = round(row["compute_s"] + row["impact_warm_s"], 2)
            if "impact_cold_s" in row:
                row["compute_plus_impact_cold_s"] = round(row["compute_s"] + row["impact_cold_s"], 2)
            run, row["run_exposure_warm_s"] = timed(exposure_service.run_exposure, alert, network)
            row["exposed"] = dict(run.exposed_assets.values_list("kind").annotate(n=Count("id")))
            row["communes"] = len(run.per_commune)
            row["premises_in_area"] = run.totals.get("premises")
            row["premises_cut_worst"] = impact.get("premises")
            row["premises_cut_expected"] = (impact.get("expected") or {}).get("premises")
            row["critical_at_risk"] = len((impact.get("expected") or {}).get("criticalSitesAtRisk", []))
            transaction.set_rollback(True)  # leave no benchmark alert behind
        figures[name] = row
    return figures


def bench_complex(args) -> dict:
    """Complex-connection detection on a kept network: first run and idempotent re-run."""
    from complex_connections.models import ComplexConnection
    from network.models import Network
    from complex_connections.services.detect import detect_complex_connections

    network = Network.objects.get(slug=args.network)
    ComplexConnection.objects.filter(network=network).delete()
    start = time.perf_counter()
    detect_complex_connections(network)
    first = time.perf_counter() - start
    start = time.perf_counter()
    detect_complex_connections(network)
    again = time.perf_counter() - start
    cases = ComplexConnection.objects.filter(network=network).count()
    if not args.keep:
        ComplexConnection.objects.filter(network=network).delete()
    return {"benchmark": "complex", "network": args.network, "cases": cases,
            "first_run_seconds": round(first, 1), "rerun_seconds": round(again, 1)}


BENCHMARKS = {"generate": bench_generate, "exchange": bench_exchange, "exposure": bench_exposure, "complex": bench_complex}
# Benchmarks that live in their own module with their own arguments (main(argv)).
MODULE_BENCHMARKS = {"tiles", "layers", "impact", "impact_fibre", "load", "reports", "damage", "crisis"}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in MODULE_BENCHMARKS:
        _setup()
        from importlib import import_module

        return import_module(f"benchmarks.{argv[0]}").main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="name", required=True)
    gen = sub.add_parser("generate", help="generate_rip at scale")
    gen.add_argument("--premises", type=int, default=300_000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--departement", default="29")
    gen.add_argument("--network", default="bench-generate")
    gen.add_argument("--keep", action="store_true", help="keep the generated network (for the import/export/tile benchmarks)")
    gen.add_argument("--fibres", action="store_true",
                     help="also write the fibre-level tables (t_fibre, t_cassette, t_position, t_ropt); off by default")
    gen.add_argument("--profile", help="write a cProfile of the generation to this file")
    for name, doc in (("exchange", "GraceTHD export + import of a kept network"),
                      ("exposure", "département-wide red wind alert on a kept network"),
                      ("complex", "complex-connection detection on a kept network")):
        sp = sub.add_parser(name, help=doc)
        sp.add_argument("--network", default="bench-generate")
        sp.add_argument("--departement", default="29")
        sp.add_argument("--keep", action="store_true", help="keep what the benchmark created")
        if name == "exchange":
            sp.add_argument("--gracethd-versions", default="2,3", help="GraceTHD versions exported and imported (2, 3 or 2,3)")
        if name == "exposure":
            sp.add_argument("--commune", default="29232", help="INSEE code of the commune flooded (default Quimper)")
    args = parser.parse_args(argv)
    _setup()
    result = BENCHMARKS[args.name](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
