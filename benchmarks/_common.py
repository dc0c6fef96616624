"""Shared by benchmarks/tiles.py and benchmarks/layers.py: Django set-up, the densest commune of
a network, percentiles."""
import os
import statistics
import time


def setup_django():
    """Configure Django when run as a script (`python -m benchmarks.tiles`); no-op otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarise(times_ms: list[float]) -> dict:
    return {
        "n": len(times_ms),
        "p50_ms": round(percentile(times_ms, 50), 2),
        "p95_ms": round(percentile(times_ms, 95), 2),
        "max_ms": round(max(times_ms), 2) if times_ms else None,
        "mean_ms": round(statistics.fmean(times_ms), 2) if times_ms else None,
    }


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, (time.perf_counter() - start) * 1000


def network_by_slug(slug: str):
    from network.models import Network

    try:
        return Network.objects.get(slug=slug)
    except Network.DoesNotExist:
        raise SystemExit(f"benchmarks: unknown network {slug!r} (generate it first: "
                         f"manage.py generate_rip --network {slug} --departement 29 --premises N --seed S)")


def densest_commune(network):
    """(Commune, premises count) of the commune holding most of the network's premises."""
    from django.db.models import Count

    from network.models import Commune, Premises

    row = (Premises.objects.filter(network=network, commune__isnull=False).values("commune")
           .annotate(n=Count("id")).order_by("-n").first())
    if row is None:
        raise SystemExit(f"benchmarks: network {network.slug!r} has no premises in a commune")
    return Commune.objects.get(pk=row["commune"]), row["n"]


def user_for_http(username: str | None):
    """The user the HTTP-level measures authenticate as (an existing account: nothing is created)."""
    if not username:
        return None
    from django.contrib.auth import get_user_model

    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise SystemExit(f"benchmarks: unknown user {username!r} for --http-user")
