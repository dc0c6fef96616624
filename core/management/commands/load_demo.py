"""Demo data for `make run`: organisations, people and (once built) the demo network.

Loaded on first run only: when the demo syndicate already exists the command does nothing, so a
second `make run` never overwrites what the users changed.
"""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from organisations.models import Membership, Organisation, OrganisationKind, Role

DEMO_PASSWORD = "vigie-demo-2026"

ORGANISATIONS = [
    ("syndicat-finistere", OrganisationKind.SYNDICATE, "Syndicat mixte numérique du Finistère (démo)", ""),
    ("oi-armor", OrganisationKind.OPERATOR, "Armor Fibre Exploitation (démo)", ""),
    ("oi-autre", OrganisationKind.OPERATOR, "Autre opérateur (démo)", ""),
    ("quimper", OrganisationKind.COMMUNE, "Commune de Quimper", "29232"),
]
PEOPLE = [
    # username, organisation, role, what they do
    ("cellule", "syndicat-finistere", Role.CRISIS_MANAGER, "cellule de crise du syndicat"),
    ("technicien", "oi-armor", Role.OPERATOR_AGENT, "agent de l'opérateur d'infrastructure"),
    ("autre", "oi-autre", Role.OPERATOR_AGENT, "agent d'un autre opérateur (ne voit rien du réseau)"),
    ("maire", "quimper", Role.ELECTED_OFFICIAL, "élu de Quimper (synthèses seulement)"),
]
DEMO_SYNDICATE = "syndicat-finistere"


class Command(BaseCommand):
    help = "Load the demo organisations, users and network (first run only with --if-empty)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the demo is already loaded")

    def handle(self, if_empty, **options):
        if if_empty and Organisation.objects.filter(slug=DEMO_SYNDICATE).exists():
            self.stdout.write("demo data already loaded: kept as it is")
            return
        with transaction.atomic():
            self.load_people()
        self.stdout.write(self.style.SUCCESS("demo organisations and users loaded"))

    def load_people(self):
        orgs = {}
        for slug, kind, name, insee in ORGANISATIONS:
            orgs[slug], _ = Organisation.objects.update_or_create(
                slug=slug, defaults={"kind": kind, "name": name, "insee_code": insee}
            )
        orgs["oi-armor"].syndicates.add(orgs["syndicat-finistere"])
        User = get_user_model()
        for username, org, role, _what in PEOPLE:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.save()
            Membership.objects.update_or_create(user=user, organisation=orgs[org], defaults={"role": role})
        admin, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@example.org"})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
