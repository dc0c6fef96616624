"""manage.py import_gracethd PATH --network SLUG [--owner ORG --operator ORG]"""

from django.core.management.base import BaseCommand, CommandError

from network.services.gracethd import ImportRefused, import_network


class Command(BaseCommand):
    help = "Importe un livrable GraceTHD v2 (répertoire, zip ou GeoPackage) comme état complet d'un réseau."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--network", required=True, help="slug du réseau (créé s'il n'existe pas)")
        parser.add_argument("--owner", help="slug du syndicat propriétaire (création du réseau)")
        parser.add_argument("--operator", help="slug de l'opérateur exploitant (création du réseau)")

    def handle(self, *args, path, network, owner, operator, **options):
        try:
            result = import_network(path, network, owner=owner, operator=operator)
        except ImportRefused as refused:
            for line in refused.faults:
                self.stderr.write(line)
            raise CommandError(f"refused: {len(refused.faults)} fault(s), nothing written") from None
        for name, c in result.counts.items():
            self.stdout.write(f"{name}: {c['created']} created, {c['updated']} updated, "
                              f"{c['unchanged']} unchanged, {c['deleted']} deleted")
        state = "created" if result.network_created else ("changed" if result.changed else "unchanged")
        self.stdout.write(f"network {result.network.slug} {state}, version {result.network.version}, "
                          f"{result.rows_total} rows in {result.seconds:.1f} s")
