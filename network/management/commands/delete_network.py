"""manage.py delete_network SLUG --yes [--force]"""
from django.core.management.base import BaseCommand, CommandError

from network.models import Network
from network.services.network_delete import DeleteRefused, delete_network


class Command(BaseCommand):
    help = "Supprime un réseau et tout ce qui en dépend (une transaction, tracée). Refusé si des tickets ouverts le visent, sauf --force."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--yes", action="store_true", help="confirme la suppression")
        parser.add_argument("--force", action="store_true", help="supprime aussi les tickets ouverts")

    def handle(self, *args, slug, yes, force, **options):
        net = Network.objects.filter(slug=slug).first()
        if net is None:
            raise CommandError(f"refused: network: unknown network {slug}")
        if not yes:
            raise CommandError(f"refused: --yes: confirm the deletion of network {slug} with --yes")
        try:
            counts = delete_network(net, force=force)
        except DeleteRefused as exc:
            raise CommandError(f"refused: {exc.path}: {exc.reason}") from None
        self.stdout.write(f"network {slug} deleted: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
