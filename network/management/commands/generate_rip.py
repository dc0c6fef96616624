"""`manage.py generate_rip`: a realistic synthetic RIP over the real communes of a département."""
import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from network.services.generator import GenerationError, generate_network
from network.services.generator.target import prepare_network


class Command(BaseCommand):
    help = (
        "Generate a deterministic (per seed) synthetic fibre network over the real communes of a "
        "département: premises, NRO, PM/SRO, PBO, route segments, supports, cables. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="network slug (created if missing)")
        parser.add_argument("--departement", required=True, help="département code, e.g. 29")
        parser.add_argument("--premises", required=True, type=int, help="number of premises (> 0)")
        parser.add_argument("--seed", required=True, type=int)
        parser.add_argument("--owner", help="owner organisation slug (syndicate), required for a new network")
        parser.add_argument("--operator", help="operator organisation slug (OI)")
        parser.add_argument("--around", help="INSEE code of the commune the covered area is centred on (default: drawn)")
        parser.add_argument("--replace", action="store_true", help="delete the network's content first")
        parser.add_argument("--fibres", action="store_true",
                            help="also write the fibre-level tables (t_fibre, t_cassette, t_position, t_ropt)")

    def handle(self, network, departement, premises, seed, owner, operator, replace, around, fibres=False, **options):
        start = time.perf_counter()
        log = (lambda msg: self.stderr.write(msg)) if options["verbosity"] >= 2 else None
        try:
            with transaction.atomic():
                if premises <= 0:
                    raise GenerationError("premises", "must be a positive number")
                if seed < 0:
                    raise GenerationError("seed", "must be zero or positive")
                target = prepare_network(network, departement, owner, operator, replace)
                counts = generate_network(target, departement, premises, seed, log=log, around=around, fibres=fibres)
                target.bump_version()
        except GenerationError as exc:
            raise CommandError(f"refused: {exc.field}: {exc.reason}")
        except IntegrityError as exc:  # --replace of objects that incidents or other records still name
            raise CommandError(f"refused: network: its current objects are referenced elsewhere, cannot replace ({exc})")
        counts["seconds"] = round(time.perf_counter() - start, 1)
        self.stdout.write(json.dumps(counts))
        self.stdout.write(self.style.SUCCESS(
            f"network {network}: {counts['premises']} premises, {counts['nro']} NRO, {counts['sro']} PM/SRO, "
            f"{counts['pbo']} PBO, {counts['segments']} segments in {counts['seconds']} s"
        ))
