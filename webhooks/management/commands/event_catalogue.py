"""`manage.py event_catalogue [--check]`: regenerate the event-type catalogue of docs/webhooks.md
from the registry (`webhooks.registry`), or, with --check, fail when the document has drifted."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from webhooks.registry import replace_catalogue

DOC = Path(settings.BASE_DIR) / "docs" / "webhooks.md"


class Command(BaseCommand):
    help = "Regenerate the event-type catalogue in docs/webhooks.md from the registry (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="exit non-zero if docs/webhooks.md is out of date")

    def handle(self, *args, check=False, **options):
        current = DOC.read_text(encoding="utf-8")
        try:
            generated = replace_catalogue(current)
        except ValueError as exc:
            raise CommandError(f"refused: {DOC.name}: {exc}") from exc
        if check:
            if generated != current:
                raise CommandError(f"refused: {DOC}: event catalogue out of date; run `manage.py event_catalogue`")
            self.stdout.write("event catalogue up to date")
            return
        if generated != current:
            DOC.write_text(generated, encoding="utf-8")
        self.stdout.write(f"wrote {DOC}")
