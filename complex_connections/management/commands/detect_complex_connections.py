"""`manage.py detect_complex_connections --network SLUG`: detect, price and upsert the complex
connection cases of a network (idempotent; cases in progress are never reset)."""
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from core.management.base import refuse
from network.models import Network, SupportPoint
from complex_connections.services.detect import StormDamage, detect_complex_connections


class Command(BaseCommand):
    help = "Detect complex connections (raccordements complexes) of a network and estimate their cost."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="network slug")
        parser.add_argument(
            "--damaged-supports", default="",
            help="comma-separated SupportPoint codes destroyed by a storm (treated like state HS)",
        )

    def handle(self, network, damaged_supports, **options):
        net = Network.objects.filter(slug=network).first()
        if net is None:
            raise refuse(ValidationError({"network": f"no network with slug {network!r}"}))
        codes = [c.strip() for c in damaged_supports.split(",") if c.strip()]
        storm = None
        if codes:
            found = dict(SupportPoint.objects.filter(network=net, code__in=codes).values_list("code", "id"))
            missing = sorted(set(codes) - set(found))
            if missing:
                raise refuse(ValidationError({"damaged-supports": f"unknown support codes: {', '.join(missing)}"}))
            storm = StormDamage(support_ids=frozenset(found.values()))
        result = detect_complex_connections(net, storm=storm)
        self.stdout.write(json.dumps({"network": net.slug, **result.as_dict()}))
