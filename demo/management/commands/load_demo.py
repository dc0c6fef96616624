"""Demo data for `make run`: organisations, people and the demo network `demo-29`, or with
`DEMO_DEPARTEMENT=974` (or `--departement 974`) the Réunion demo `demo-974` instead.

Loaded on first run only: when the demo syndicate already exists the command does nothing, so a
second `make run` never overwrites what the users changed. The demo network is a generated RIP of
about 25 000 premises over the communes of the Finistère around Quimper (fixed seed, so every fresh install shows
the same network), owned by the demo syndicate and operated by `oi-armor`.
"""
import json
import os
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from complex_connections.models import ComplexConnection
from complex_connections.services.detect import detect_complex_connections
from network.models import Commune, Network
from network.services.generator import generate_network
from network.services.generator.target import is_empty, prepare_network
from organisations.models import Membership, Organisation, OrganisationKind, Role
from resilience.services.ingest import ingest_payload

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
DEMO_OPERATOR = "oi-armor"
DEMO_NETWORK = "demo-29"
DEMO_DEPARTEMENT = "29"
DEMO_PREMISES = 25_000
DEMO_SEED = 2029
DEMO_AROUND = "29232"  # Quimper: the demo's elected official is its mayor, so the network covers it


@dataclass(frozen=True)
class Demo:
    """One demo territory: who runs it, where the network lies and which alert is in force."""

    syndicate: tuple
    operator: tuple
    commune: tuple
    network: str
    network_name: str
    departement: str
    seed: int
    around: str
    storm: dict  # GeoJSON alert properties over the `around` commune


DEMOS = {
    "29": Demo(ORGANISATIONS[0], ORGANISATIONS[1], ORGANISATIONS[3], DEMO_NETWORK, "RIP Finistère (démo)",
               DEMO_DEPARTEMENT, DEMO_SEED, DEMO_AROUND,
               {"hazard": "wind", "level": 3, "identifier": "demo-tempete-quimper",
                "headline": "Tempête : vigilance orange vent violent (démo)"}),
    "974": Demo(("syndicat-reunion", OrganisationKind.SYNDICATE, "La Réunion Très Haut Débit (démo)", ""),
                ("oi-reunion", OrganisationKind.OPERATOR, "Réunion Fibre Exploitation (démo)", ""),
                ("saint-denis", OrganisationKind.COMMUNE, "Commune de Saint-Denis", "97411"),
                "demo-974", "RIP La Réunion (démo)", "974", 2974, "97411",
                {"hazard": "wind", "level": 5, "identifier": "demo-cyclone-saint-denis",
                 "headline": "Cyclone : vigilance violette, confinement (démo)"}),
}


class Command(BaseCommand):
    help = "Load the demo organisations, users and network (first run only with --if-empty)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the demo is already loaded")
        parser.add_argument("--premises", type=int, default=DEMO_PREMISES, help="premises of the demo network")
        parser.add_argument("--departement", default=os.environ.get("DEMO_DEPARTEMENT") or "29", choices=sorted(DEMOS),
                            help="demo territory (default: DEMO_DEPARTEMENT, else 29)")
        # Off by default while the fibre-path reader (resilience/services/graph/fibre_paths.py) does
        # not scale: with the demo's 300 000 t_ropt rows the service-graph build ran > 5 min.
        parser.add_argument("--fibres", action="store_true",
                            default=os.environ.get("DEMO_FIBRES", "") not in ("", "0"),
                            help="also write the fibre-level tables (t_fibre, t_cassette, t_position, t_ropt); "
                                 "default: DEMO_FIBRES")

    def handle(self, if_empty, **options):
        self.demo = DEMOS[options["departement"]]
        demo_syndicates = [d.syndicate[0] for d in DEMOS.values()]
        if if_empty and Organisation.objects.filter(slug__in=demo_syndicates).exists():
            self.stdout.write("demo data already loaded: kept as it is")
            return
        # One transaction: an interrupted first run leaves nothing, so the next `make run` retries.
        with transaction.atomic():
            self.load_people()
            counts = self.load_network(options["premises"], fibres=options["fibres"])
        self.stdout.write(self.style.SUCCESS("demo organisations and users loaded"))
        if counts:
            self.stdout.write(self.style.SUCCESS(
                f"demo network {self.demo.network}: {counts['premises']} premises, {counts['sro']} PM/SRO, {counts['pbo']} PBO, "
                f"{counts['segments']} route segments, {counts['complex_connections']} complex connection cases, "
                f"an alert: {self.demo.storm['headline']}"
            ))

    def load_network(self, premises, fibres=False):
        """Generate the demo network unless it already has content (never regenerated over edits)."""
        demo = self.demo
        existing = Network.objects.filter(slug=demo.network).first()
        if existing is not None and not is_empty(existing):
            return None
        network = prepare_network(demo.network, demo.departement, demo.syndicate[0], demo.operator[0])
        network.name = demo.network_name
        network.save(update_fields=["name", "updated_at"])
        counts = generate_network(network, demo.departement, premises, demo.seed, around=demo.around, fibres=fibres)
        network.bump_version()
        counts["complex_connections"] = self.detect_cases(network)
        self.load_storm(network)
        # --- power of the active sites (power app, docs/power.md): shipped demo values -------
        from power.services.supplies import load_demo_supplies

        counts["power_supplies"] = load_demo_supplies(network)["supplies"]
        # ---------------------------------------------------------------------------------------
        return counts

    def detect_cases(self, network) -> int:
        """Complex connections of the demo network, detected once so the list and map show cases."""
        detect_complex_connections(network)
        return ComplexConnection.objects.filter(network=network).count()

    def load_storm(self, network) -> None:
        """The demo's alert (29: orange wind over Quimper; 974: violet cyclone over Saint-Denis) for
        the next two days, drawn by the crisis cell: its exposure is computed by the worker once
        `make run` has started it."""
        area = Commune.objects.get(insee=self.demo.around).geom.envelope
        area.transform(4326)
        now = timezone.now()
        feature = {"type": "Feature", "geometry": json.loads(area.json), "properties": {
            **self.demo.storm, "network": network.slug,
            "onset": now.isoformat(), "expires": (now + timedelta(days=2)).isoformat()}}
        ingest_payload(json.dumps(feature).encode(), "geojson", organisation=network.owner, network=network)

    def load_people(self):
        demo = self.demo
        orgs = {}
        organisations = ORGANISATIONS if demo.departement == "29" else [demo.syndicate, demo.operator, ORGANISATIONS[2], demo.commune]
        for slug, kind, name, insee in organisations:
            orgs[slug], _ = Organisation.objects.update_or_create(
                slug=slug, defaults={"kind": kind, "name": name, "insee_code": insee}
            )
        orgs[demo.operator[0]].syndicates.add(orgs[demo.syndicate[0]])
        # the same four demo logins, in the organisations of the chosen territory
        people_org = {"syndicat-finistere": demo.syndicate[0], "oi-armor": demo.operator[0], "quimper": demo.commune[0]}
        User = get_user_model()
        for username, org, role, _what in PEOPLE:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.save()
            Membership.objects.update_or_create(user=user, organisation=orgs[people_org.get(org, org)], defaults={"role": role})
        admin, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@example.org"})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
