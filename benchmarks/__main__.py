"""`python -m benchmarks generate [--premises N] [--seed S] [--departement D] [--keep]`

Dispatches to one benchmark. Each prints its measured figures as JSON on its last line. Runs against
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
    operator, _ = Organisation.objects.get_or_create(slug="bench-operator", defaults={"name": "Bench OI", "kind": OrganisationKind.OPERATOR})
    slug = args.network
    existing = Network.objects.filter(slug=slug).first()
    if existing:
        with transaction.atomic():
            clear(existing)
    start = time.perf_counter()
    with transaction.atomic():
        network = prepare_network(slug, args.departement, owner.slug, operator.slug)
        counts = generate_network(network, args.departement, args.premises, args.seed)
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


BENCHMARKS = {"generate": bench_generate}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="name", required=True)
    gen = sub.add_parser("generate", help="generate_rip at scale")
    gen.add_argument("--premises", type=int, default=300_000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--departement", default="29")
    gen.add_argument("--network", default="bench-generate")
    gen.add_argument("--keep", action="store_true", help="keep the generated network (for the import/export/tile benchmarks)")
    args = parser.parse_args(argv)
    _setup()
    result = BENCHMARKS[args.name](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
