"""manage.py ingest_alert FILE [--format cap|vigilance|vigicrues|geojson] [--allow-expired] [--historic]

Ingests one payload and prints the id of each alert it created, updated or ended, one per line:
the last line is the alert id (a vigilance file may yield several alerts; the last line is then
the last of them). Refused: non-zero exit, the reasons on stderr as {"errors": [...]} JSON.
"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from resilience.services.ingest import FORMATS, IngestError, ingest_payload
from network.models import Network


class Command(BaseCommand):
    help = "Ingère une alerte (CAP 1.2, vigilance Météo-France, Vigicrues, GeoJSON) ; affiche son id en dernière ligne."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=FORMATS, help="détecté d'après le contenu si absent")
        parser.add_argument("--allow-expired", action="store_true",
                            help="accepter une alerte déjà expirée (rejeu d'archives)")
        parser.add_argument("--historic", action="store_true",
                            help="message historique : s'il a expiré, stocké comme alerte terminée (heures "
                                 "d'origine), sans calcul d'exposition (voir compute_exposure)")

    def handle(self, *args, file, format=None, allow_expired=False, historic=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(json.dumps({"errors": [{"path": "FILE", "reason": f"fichier introuvable : {file}"}]}))
        payload = path.read_bytes()
        network = None
        if format == "geojson" or (format is None and payload.lstrip()[:1] == b"{" and b'"Feature"' in payload):
            network = _network_of(payload)
        try:
            result = ingest_payload(payload, format, origin=f"file:{path.name}", network=network,
                                    allow_expired=True if allow_expired else None, historic=historic)
        except IngestError as exc:
            raise CommandError(json.dumps({"errors": exc.errors}, ensure_ascii=False)) from None
        if result.duplicate:
            self.stderr.write("déjà reçu : aucune modification")
        if not result.alerts:
            raise CommandError(json.dumps({"errors": [{"path": "", "reason": "aucune alerte (tous les phénomènes au vert)"}]},
                                          ensure_ascii=False))
        for alert in result.alerts:
            self.stdout.write(str(alert.pk))


def _network_of(payload: bytes):
    try:
        slug = (json.loads(payload).get("properties") or {}).get("network")
    except (ValueError, AttributeError):
        return None
    if not slug:
        return None
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        raise CommandError(json.dumps({"errors": [{"path": "properties.network", "reason": f"réseau inconnu : {slug}"}]}))
    return network
