"""Shipped defaults of the complex-connection cost model (the row without a network).

Orders of magnitude of a rural RIP's price schedule (2025) and the State aid tiers for
private-domain works (€400 under 10 m, €800 from 10 to 30 m or hard surface, €1,200 over 30 m).
Editable in the admin afterwards; a network may get a cost model of its own.
"""
from decimal import Decimal

from django.db import migrations

DEFAULTS = {
    "base_connection": Decimal("250"),
    "trench_per_m": Decimal("80"),
    "conduit_per_m": Decimal("8"),
    "aerial_per_m": Decimal("12"),
    "facade_per_m": Decimal("25"),
    "new_pole": Decimal("1200"),
    "chamber": Decimal("900"),
    "vertical_cabling_per_housing": Decimal("180"),
    "aid_under_10m": Decimal("400"),
    "aid_10_30m": Decimal("800"),
    "aid_over_30m": Decimal("1200"),
}


def ship_defaults(apps, schema_editor):
    CostModel = apps.get_model("network", "ComplexConnectionCostModel")
    CostModel.objects.update_or_create(network=None, defaults=DEFAULTS)


def remove_defaults(apps, schema_editor):
    apps.get_model("network", "ComplexConnectionCostModel").objects.filter(network=None).delete()


class Migration(migrations.Migration):
    dependencies = [("network", "0003_complex_connections")]
    operations = [migrations.RunPython(ship_defaults, remove_defaults)]
