from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.management.base import refuse
from organisations.models import Organisation
from organisations.services import link_operator


class Command(BaseCommand):
    help = "Record that an operator (OI) operates the networks of a syndicate."

    def add_arguments(self, parser):
        parser.add_argument("operator_slug")
        parser.add_argument("syndicate_slug")

    def handle(self, operator_slug, syndicate_slug, **options):
        found = {o.slug: o for o in Organisation.objects.filter(slug__in=[operator_slug, syndicate_slug])}
        missing = [s for s in (operator_slug, syndicate_slug) if s not in found]
        if missing:
            raise CommandError(f"refused: unknown organisation {', '.join(missing)}")
        try:
            link_operator(found[operator_slug], found[syndicate_slug])
        except ValidationError as exc:
            raise refuse(exc)
        self.stdout.write(f"{operator_slug} now operates the networks of {syndicate_slug}")
