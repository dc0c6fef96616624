from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.management.base import refuse
from organisations.models import Organisation, Role
from organisations.services import issue_token


class Command(BaseCommand):
    help = (
        "Issue an API token for USERNAME acting in an organisation with a role (the user is created "
        "if missing). Prints the token alone on the last line; an earlier token of the same purpose is revoked."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--purpose", default="api", help="one active token per user and purpose (default: api)")

    def handle(self, username, org, role, purpose, **options):
        if not username.strip():
            raise CommandError("refused: username: must not be empty")
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"refused: org: unknown organisation {org!r}")
        try:
            token, key = issue_token(username, organisation, role, purpose)
        except ValidationError as exc:
            raise refuse(exc)
        self.stdout.write(f"token {token.key_prefix}… for {username} in {organisation.slug} as {role} ({purpose})")
        self.stdout.write(key)
