"""`manage.py load_vigicrues_reaches [URL_OR_FILE] [--prune]`: load the Vigicrues reaches and their lines."""
from django.core.management.base import BaseCommand, CommandError

from resilience.services.reaches import ReachFeedError, load_reaches


class Command(BaseCommand):
    help = "Charge les tronçons Vigicrues et leur géométrie (GeoJSON ; défaut : VIGICRUES_REACH_FEED_URL)."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help="URL or file of the reach GeoJSON")
        parser.add_argument("--prune", action="store_true", help="delete the reaches the feed no longer lists")

    def handle(self, *args, source=None, prune=False, **options):
        try:
            counts = load_reaches(source, prune=prune)
        except ReachFeedError as exc:
            raise CommandError(f"refused: {exc}")
        self.stdout.write(self.style.SUCCESS(
            f"reaches: {counts['created']} created, {counts['updated']} updated, {counts['pruned']} pruned"))
