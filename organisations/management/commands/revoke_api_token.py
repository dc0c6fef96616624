from django.core.management.base import BaseCommand, CommandError

from organisations.models import ApiToken


class Command(BaseCommand):
    help = "Revoke a user's active API token(s), for one purpose or all."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--purpose", default=None)

    def handle(self, username, purpose, **options):
        tokens = ApiToken.objects.active().filter(user__username=username)
        if purpose:
            tokens = tokens.filter(purpose=purpose)
        if not tokens.exists():
            raise CommandError(f"refused: no active token for {username}")
        for token in tokens:
            token.revoke()
            self.stdout.write(f"revoked {token}")
