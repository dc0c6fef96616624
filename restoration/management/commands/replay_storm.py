"""manage.py replay_storm FILE_OR_NAME --network SLUG [--speed N]

Plays a storm timeline (historic alerts, damage reports, triage into tickets, resolutions) against a
network: `ciaran-2023` ships (restoration/scenarios/). `--speed 0` plays it as fast as possible (the
storm placed so that it ends now); `--speed N` N times faster than real time (default 3600: one
scenario hour per second). One line per event; the last line is a JSON summary. Refused: non-zero
exit, `refused: field: reason` on stderr.
"""
import json

from django.core.management.base import BaseCommand, CommandError

from network.models import Network
from restoration.services.replay import ScenarioError, load_scenario, replay


class Command(BaseCommand):
    help = "Rejoue une tempête (alertes historiques, signalements, tickets, rétablissements) sur un réseau."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="fichier JSON ou nom d'un scénario livré (ciaran-2023)")
        parser.add_argument("--network", required=True)
        parser.add_argument("--speed", type=float, default=3600.0,
                            help="facteur d'accélération (0 : aussi vite que possible)")

    def handle(self, *args, scenario, network, speed, **options):
        if speed < 0:
            raise CommandError("refused: --speed: must be 0 or more")
        net = Network.objects.filter(slug=network).select_related("owner", "operator").first()
        if net is None:
            raise CommandError(f"refused: --network: unknown network '{network}'")
        try:
            loaded = load_scenario(scenario)
            state = replay(loaded, net, speed=speed, out=self.stdout.write)
        except ScenarioError as exc:
            raise CommandError(f"refused: scenario: {exc}") from None
        from restoration.services.plan import restoration_outlook

        summary = {"scenario": loaded.get("name"), "network": net.slug, "events": len(loaded["events"]),
                   "crisis": state.crisis.pk if state.crisis else None, "alerts": [a.pk for a in state.alerts.values()],
                   "tickets": len(state.tickets)}
        if state.crisis is not None:
            outlook = restoration_outlook(state.crisis, plan_limit=0)
            summary["premises_cut_at_start"] = outlook["totals"].get("premises_cut_at_start", 0)
            summary["premises_without_service_at_end"] = outlook["totals"].get("premises_without_service", 0)
        self.stdout.write(json.dumps(summary))
