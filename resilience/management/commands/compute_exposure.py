"""`manage.py compute_exposure ALERT_ID [--network SLUG]`: compute an alert's exposure now.

For a historic (ended) alert, whose exposure is not computed on ingestion, or to recompute a live
one. Prints one line per network: slug, exposed segments and premises, premises cut."""
import json

from django.core.management.base import BaseCommand, CommandError

from network.models import Network
from resilience.models import Alert
from resilience.services.exposure import compute_on_request


class Command(BaseCommand):
    help = "Calcule l'exposition des réseaux à une alerte (alertes historiques comprises)."

    def add_arguments(self, parser):
        parser.add_argument("alert_id", type=int)
        parser.add_argument("--network", help="one network only (slug)")

    def handle(self, *args, alert_id, network=None, **options):
        alert = Alert.objects.filter(pk=alert_id).first()
        if alert is None:
            raise CommandError(json.dumps({"errors": [{"path": "ALERT_ID", "reason": f"alerte inconnue : {alert_id}"}]}))
        networks = None
        if network:
            networks = list(Network.objects.filter(slug=network))
            if not networks:
                raise CommandError(json.dumps({"errors": [{"path": "--network", "reason": f"réseau inconnu : {network}"}]}))
        runs = compute_on_request(alert, networks)
        if not runs:
            self.stdout.write("no network lies in the alert's area")
        for run in runs:
            totals = run.totals or {}
            self.stdout.write(f"{run.network.slug}: segments={totals.get('segments')} premises={totals.get('premises')} "
                              f"premises_cut={totals.get('premises_cut')} (run {run.pk})")
