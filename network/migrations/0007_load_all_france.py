"""Load the communes and départements of all of France, overseas included, and the former codes
of communes merged since 2018 (network/data/boundaries/, Licence Ouverte; docs/architecture.md)."""
from django.db import migrations


def load(apps, schema_editor):
    from network.services.boundaries import load_boundaries

    with schema_editor.connection.cursor() as cursor:
        load_boundaries(cursor)


class Migration(migrations.Migration):
    dependencies = [("network", "0006_territories_and_former_communes")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
