"""manage.py load_floodzones FILE --dataset NAME --hazard river_flood|coastal_submersion [--replace]

Loads a flood-hazard layer (PPRI/PPRN/TRI zones; GeoJSON or shapefile, any SRS with a .prj /
GeoJSON in WGS84) into FloodZone, in EPSG:2154. COVADIS fields `niveaualea` and `occurence` are
kept as intensity/occurrence when present.
"""
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from resilience.models import FloodZone


class Command(BaseCommand):
    help = "Charge une couche de zones inondables (GeoJSON ou shapefile) dans FloodZone."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dataset", required=True)
        parser.add_argument("--hazard", required=True, choices=["river_flood", "coastal_submersion"])
        parser.add_argument("--replace", action="store_true", help="supprimer d'abord les zones de ce jeu")

    def handle(self, *args, file, dataset, hazard, replace=False, **options):
        try:
            layer = DataSource(file)[0]
        except Exception as exc:
            raise CommandError(f"refused: {file}: {exc}") from None
        zones = []
        for index, feature in enumerate(layer):
            geom = feature.geom.geos
            if geom.srid is None:
                geom.srid = 4326
            geom.transform(2154)
            if not geom.valid:
                geom = geom.buffer(0)
            if isinstance(geom, Polygon):
                geom = MultiPolygon(geom, srid=2154)
            if not isinstance(geom, MultiPolygon):
                raise CommandError(f"refused: feature {index}: {geom.geom_type} is not a polygon")
            props = {f: feature.get(f) for f in layer.fields}
            zones.append(FloodZone(
                dataset=dataset, hazard=hazard, intensity=str(props.get("niveaualea") or ""),
                occurrence=str(props.get("occurence") or ""), geom=geom,
                properties={k: v for k, v in props.items() if isinstance(v, (str, int, float)) or v is None},
            ))
        with transaction.atomic():
            if replace:
                FloodZone.objects.filter(dataset=dataset).delete()
            FloodZone.objects.bulk_create(zones, batch_size=500)
        self.stdout.write(str(len(zones)))
