"""manage.py import_gracethd PATH --network SLUG [--owner ORG --operator ORG] [--report FILE] [--gracethd-version 2|3]"""

from django.core.management.base import BaseCommand, CommandError

from network.services.gracethd import ImportRefused, import_network
from network.services.gracethd.report_files import FORMATS, fault_records, write


class Command(BaseCommand):
    help = "Importe un livrable GraceTHD v2.0.1 ou v3.0.x (répertoire, zip ou GeoPackage) comme état complet d'un réseau."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--network", required=True, help="slug du réseau (créé s'il n'existe pas)")
        parser.add_argument("--owner", help="slug du syndicat propriétaire (création du réseau)")
        parser.add_argument("--operator", help="slug de l'opérateur exploitant (création du réseau)")
        parser.add_argument("--report", help="écrit le rapport d'anomalies : FICHIER.csv, .geojson ou .gpkg")
        parser.add_argument("--gracethd-version", choices=["2", "3"], help="version GraceTHD (par défaut : détectée)")

    def handle(self, *args, path, network, owner, operator, report, gracethd_version, **options):
        if report and report.lower().rsplit(".", 1)[-1] not in FORMATS:
            raise CommandError(f"refused: --report: {report}: .csv, .geojson ou .gpkg attendu")
        try:
            result = import_network(path, network, owner=owner, operator=operator, version=gracethd_version)
        except ImportRefused as refused:
            for line in refused.faults:
                self.stderr.write(line)
            if report:
                write(fault_records(refused.report), report)
            raise CommandError(f"refused: {len(refused.faults)} fault(s), nothing written") from None
        for name, c in result.counts.items():
            self.stdout.write(f"{name}: {c['created']} created, {c['updated']} updated, "
                              f"{c['unchanged']} unchanged, {c['deleted']} deleted")
        counts = result.report.counts()
        self.stdout.write(f"report: {len(result.report)} fault(s): {counts['major']} major, {counts['minor']} minor")
        for rule, n in result.report.by_rule().items():
            self.stdout.write(f"  {rule}: {n}")
        if report:
            write(fault_records(result.report), report)
            self.stdout.write(f"report written to {report}")
        state = "created" if result.network_created else ("changed" if result.changed else "unchanged")
        self.stdout.write(f"network {result.network.slug} {state}, GraceTHD v{result.version}, version {result.network.version}, "
                          f"{result.rows_total} rows in {result.seconds:.1f} s")
