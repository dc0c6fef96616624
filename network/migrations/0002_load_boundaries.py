"""Load the shipped département and commune boundaries (Admin Express 2018, Licence Ouverte)."""
from django.db import migrations


def load(apps, schema_editor):
    from network.services.boundaries import load_boundaries

    with schema_editor.connection.cursor() as cursor:
        load_boundaries(cursor)


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
