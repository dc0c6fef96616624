from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from core.management.base import refuse
from organisations.models import OrganisationKind
from organisations.services import create_organisation


class Command(BaseCommand):
    help = "Create an organisation: syndicate, operator, commune or other."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--kind", required=True, choices=OrganisationKind.values)
        parser.add_argument("--name", required=True)
        parser.add_argument("--insee", default="", help="INSEE code, for a commune")
        parser.add_argument("--siren", default="", help="SIREN (9 digits), optional")

    def handle(self, slug, kind, name, insee, siren, **options):
        try:
            org = create_organisation(slug, kind, name, insee=insee, siren=siren)
        except ValidationError as exc:
            raise refuse(exc)
        self.stdout.write(f"created organisation {org.slug} ({org.kind}): {org.name}")
