"""manage.py impact --network SLUG --segments CODE,... [--supports ...] [--sites ...] [--json]

Prints the same figures as POST /api/v1/impact/: premises, households, businesses, critical sites,
the per-commune table and the failed cables. Unknown codes: non-zero exit naming each of them.
"""
import json

from django.core.management.base import BaseCommand, CommandError

from network.models import Network
from resilience.services.impact import UnknownAssets, impact


def codes(value: str | None) -> list[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]


class Command(BaseCommand):
    help = "Impact of failed route segments, supports (poles, chambers) and sites on a network: who loses service."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="network slug")
        parser.add_argument("--segments", default="", help="route segment codes, comma-separated")
        parser.add_argument("--supports", default="", help="support point codes (poles, chambers), comma-separated")
        parser.add_argument("--sites", default="", help="site codes (NRO, SRO), comma-separated")
        parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")

    def handle(self, network, segments, supports, sites, **options):
        net = Network.objects.filter(slug=network).first()
        if net is None:
            raise CommandError(f"refused: network: unknown network {network!r}")
        failed = {"segments": codes(segments), "supports": codes(supports), "sites": codes(sites)}
        if not any(failed.values()):
            raise CommandError("refused: segments: give at least one of --segments, --supports, --sites")
        try:
            result = impact(net, failed_segments=failed["segments"], failed_supports=failed["supports"],
                            failed_sites=failed["sites"])
        except UnknownAssets as err:
            raise CommandError("refused: " + "; ".join(f"{e['path']}: {e['reason']}" for e in err.errors))
        if options["json"]:
            self.stdout.write(json.dumps({
                "network": net.slug, "version": result.version, "figures": result.figures(),
                "communes": [vars(c) for c in result.communes], "critical_sites": result.critical_sites,
                "failed_cables": result.failed_cables, "failed_segments": result.failed_segments,
            }, ensure_ascii=False))
            return
        w = self.stdout.write
        w(f"network {net.slug} (version {result.version})")
        w(f"failed: {len(result.failed_segments)} segments, {len(result.failed_supports)} supports, "
          f"{len(result.failed_sites)} sites; cables cut: {', '.join(result.failed_cables) or '-'}")
        w(f"premises cut: {result.premises}")
        w(f"households: {result.households}")
        w(f"businesses: {result.businesses}")
        w(f"critical sites: {result.critical}")
        for site in result.critical_sites:
            w(f"  {site['code']} {site['category']} ({site['commune']})")
        if result.communes:
            w("insee  premises  households  businesses  critical  name")
            for c in result.communes:
                w(f"{c.insee:5}  {c.premises:8}  {c.households:10}  {c.businesses:10}  {c.critical:8}  {c.name}")
