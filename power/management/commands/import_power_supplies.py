"""manage.py import_power_supplies FILE.csv --network SLUG: the power supplies of active sites
(columns in docs/power.md). All or nothing: refused with every fault on stderr, exit non-zero."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from network.models import Network

from ...services.supplies import import_csv


class Command(BaseCommand):
    help = "Import the power supplies of active sites from a CSV (docs/power.md)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--network", required=True)

    def handle(self, path, network, **options):
        net = Network.objects.filter(slug=network).first()
        if net is None:
            raise CommandError(f"refused: network: unknown network {network!r}")
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"refused: path: {exc}")
        report = import_csv(net, text)
        if report["errors"]:
            raise CommandError("refused: " + "; ".join(f"{e['path']}: {e['reason']}" for e in report["errors"]))
        self.stdout.write(f"{report['created']} created, {report['updated']} updated")
