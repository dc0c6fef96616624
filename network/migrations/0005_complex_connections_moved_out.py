"""Complex connections move to their own app (`complex_connections`): state only.

The models leave `network`'s migration state; their tables stay where they are and are taken over
by complex_connections 0001 (`Meta.db_table`). No data moves.
"""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('network', '0004_complex_connections_default_costs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='ComplexConnectionNote'),
            migrations.DeleteModel(name='ComplexConnectionAttachment'),
            migrations.DeleteModel(name='ComplexConnection'),
            migrations.DeleteModel(name='ComplexConnectionCostModel'),
        ]),
    ]
