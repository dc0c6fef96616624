"""manage.py export_gracethd OUT_DIR --network SLUG [--gracethd-version 2|3]"""
import time

from django.core.management.base import BaseCommand, CommandError

from network.models import Network
from network.services.gracethd import export_network


class Command(BaseCommand):
    help = ("Exporte un réseau au format d'échange GraceTHD (shapefiles EPSG:2154 + CSV), v2.0.1 ou v3.0.x "
            "(par défaut : la version importée ; v3 pour un réseau généré).")

    def add_arguments(self, parser):
        parser.add_argument("out_dir")
        parser.add_argument("--network", required=True)
        parser.add_argument("--gracethd-version", choices=["2", "3"])

    def handle(self, *args, out_dir, network, gracethd_version, **options):
        net = Network.objects.filter(slug=network).first()
        if net is None:
            raise CommandError(f"refused: network: unknown network {network}")
        started = time.monotonic()
        counts = export_network(net, out_dir, version=gracethd_version)
        for table, n in counts.items():
            self.stdout.write(f"{table}: {n}")
        self.stdout.write(f"exported {sum(counts.values())} rows to {out_dir} in {time.monotonic() - started:.1f} s")
