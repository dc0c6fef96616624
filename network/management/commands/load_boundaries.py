"""`manage.py load_boundaries`: (re)load the communes and départements of all of France."""
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from network.services.boundaries import load_boundaries


class Command(BaseCommand):
    help = (
        "(Re)charge les communes et départements de France (outre-mer compris) depuis les fichiers livrés "
        "(network/data/boundaries/) ou une édition plus récente. Idempotent : sans changement, ne fait rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("--communes", help="communes: shipped .jsonl.gz, a GeoJSON file (code/nom) or a directory of them")
        parser.add_argument("--current", help="current commune list: data/communes.json of @etalab/decoupage-administratif")
        parser.add_argument("--force", action="store_true", help="reload even when the files are those last loaded")

    def handle(self, *args, communes=None, current=None, force=False, **options):
        for name, value in (("--communes", communes), ("--current", current)):
            if value and not Path(value).exists():
                raise CommandError(f"refused: {name}: no such file or directory: {value}")
        start = time.perf_counter()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                result = load_boundaries(cursor, communes, current, force=force)
        except (ValueError, KeyError) as exc:
            raise CommandError(f"refused: the boundary files cannot be read: {exc.__class__.__name__}: {exc}")
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if result.skipped:
            self.stdout.write("boundaries already up to date (same files as the last load)")
            return
        self.stdout.write(self.style.SUCCESS(
            f"{result.departements} départements, {result.communes} communes ({result.merged} communes nouvelles "
            f"from merged parts), {result.former_codes} former codes in {time.perf_counter() - start:.1f} s"
        ))
