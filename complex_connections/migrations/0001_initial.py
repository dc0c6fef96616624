"""Complex connections move from `network` to their own app: state only.

The four tables were created by network 0003 and keep their names (`Meta.db_table`); this migration
only tells Django's migration state that the models now belong to `complex_connections`
(network 0005 removes them from `network`'s state). No table, index or row is touched, except the
content types, which are relabelled so that audit rows and admin permissions follow the models.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


MODELS = ["complexconnection", "complexconnectionattachment", "complexconnectioncostmodel", "complexconnectionnote"]


def relabel_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="complex_connections", model=model).exists():
            ContentType.objects.filter(app_label="network", model=model).update(app_label="complex_connections")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="complex_connections", model__in=MODELS).update(app_label="network")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('network', '0005_complex_connections_moved_out'),
        ('organisations', '0002_alter_apitoken_options_alter_membership_options_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.CreateModel(
                    name='ComplexConnection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('rules', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=40), default=list, size=None, verbose_name='règles déclenchées')),
                        ('findings', models.JSONField(default=list, help_text='[{rule, label, explanation}]', verbose_name='constats')),
                        ('explanation', models.TextField(blank=True, verbose_name='explication')),
                        ('inputs', models.JSONField(default=dict, help_text='Longueurs et codes mesurés à la détection.', verbose_name='mesures')),
                        ('hard_surface', models.BooleanField(default=False, help_text="Relevé terrain : enrobé, béton… (palier d'aide 800 € au moins).", verbose_name='surface dure')),
                        ('cost_breakdown', models.JSONField(default=list, verbose_name='détail du coût')),
                        ('estimated_cost', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=12, verbose_name='coût estimé (€)')),
                        ('aid', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=12, verbose_name="aide de l'État (€)")),
                        ('remaining_charge', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=12, verbose_name='reste à charge (€)')),
                        ('priority_score', models.FloatField(db_index=True, default=0, verbose_name='score de priorité')),
                        ('status', models.CharField(choices=[('detected', 'Détecté'), ('surveyed', 'Visité (relevé terrain)'), ('quoted', 'Chiffré (devis)'), ('aid_requested', 'Aide demandée'), ('works_scheduled', 'Travaux programmés'), ('connected', 'Raccordé'), ('abandoned', 'Abandonné')], default='detected', max_length=20, verbose_name='statut')),
                        ('abandon_reason', models.TextField(blank=True, verbose_name="motif d'abandon")),
                        ('detected_at', models.DateTimeField(auto_now_add=True, verbose_name='détecté le')),
                        ('last_detection_at', models.DateTimeField(blank=True, null=True, verbose_name='dernière détection')),
                        ('status_changed_at', models.DateTimeField(blank=True, null=True, verbose_name='statut modifié le')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
                        ('assigned_organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.organisation', verbose_name='organisation chargée')),
                        ('network', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='complex_connections', to='network.network')),
                        ('premises', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='complex_connections', to='network.premises')),
                    ],
                    options={
                        'db_table': 'network_complexconnection',
                        'verbose_name': 'raccordement complexe',
                        'verbose_name_plural': 'raccordements complexes',
                        'ordering': ['-priority_score', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ComplexConnectionAttachment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(upload_to='complex-connections/%Y/%m/', verbose_name='fichier')),
                        ('filename', models.CharField(max_length=255, verbose_name='nom du fichier')),
                        ('content_type', models.CharField(max_length=100, verbose_name='type')),
                        ('size', models.PositiveIntegerField(verbose_name='taille (octets)')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='complex_connections.complexconnection')),
                        ('organisation', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.organisation')),
                        ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'network_complexconnectionattachment',
                        'verbose_name': 'pièce jointe de raccordement complexe',
                        'verbose_name_plural': 'pièces jointes de raccordement complexe',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ComplexConnectionCostModel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('base_connection', models.DecimalField(decimal_places=2, default=Decimal('250'), max_digits=10, verbose_name='raccordement de base (€)')),
                        ('trench_per_m', models.DecimalField(decimal_places=2, default=Decimal('80'), max_digits=10, verbose_name='tranchée (€/m)')),
                        ('conduit_per_m', models.DecimalField(decimal_places=2, default=Decimal('8'), max_digits=10, verbose_name='tirage en fourreau existant (€/m)')),
                        ('aerial_per_m', models.DecimalField(decimal_places=2, default=Decimal('12'), max_digits=10, verbose_name='câble aérien (€/m)')),
                        ('facade_per_m', models.DecimalField(decimal_places=2, default=Decimal('25'), max_digits=10, verbose_name='pose en façade (€/m)')),
                        ('new_pole', models.DecimalField(decimal_places=2, default=Decimal('1200'), max_digits=10, verbose_name='poteau neuf (€)')),
                        ('chamber', models.DecimalField(decimal_places=2, default=Decimal('900'), max_digits=10, verbose_name='chambre de tirage (€)')),
                        ('vertical_cabling_per_housing', models.DecimalField(decimal_places=2, default=Decimal('180'), max_digits=10, verbose_name='colonne montante (€/logement)')),
                        ('aid_under_10m', models.DecimalField(decimal_places=2, default=Decimal('400'), max_digits=10, verbose_name='aide : moins de 10 m (€)')),
                        ('aid_10_30m', models.DecimalField(decimal_places=2, default=Decimal('800'), max_digits=10, verbose_name='aide : 10 à 30 m ou surface dure (€)')),
                        ('aid_over_30m', models.DecimalField(decimal_places=2, default=Decimal('1200'), max_digits=10, verbose_name='aide : plus de 30 m (€)')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
                        ('network', models.OneToOneField(blank=True, help_text='Vide : valeurs par défaut, utilisées par les réseaux sans modèle propre.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='complex_cost_model', to='network.network', verbose_name='réseau')),
                    ],
                    options={
                        'db_table': 'network_complexconnectioncostmodel',
                        'verbose_name': 'modèle de coût des raccordements complexes',
                        'verbose_name_plural': 'modèles de coût des raccordements complexes',
                    },
                ),
                migrations.CreateModel(
                    name='ComplexConnectionNote',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.TextField(verbose_name='texte')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                        ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='complex_connections.complexconnection')),
                        ('organisation', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.organisation')),
                    ],
                    options={
                        'db_table': 'network_complexconnectionnote',
                        'verbose_name': 'note de raccordement complexe',
                        'verbose_name_plural': 'notes de raccordement complexe',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='complexconnection',
                    index=models.Index(fields=['network', 'status'], name='network_com_network_7798a3_idx'),
                ),
                migrations.AddIndex(
                    model_name='complexconnection',
                    index=django.contrib.postgres.indexes.GinIndex(fields=['rules'], name='complex_connection_rules_gin'),
                ),
                migrations.AddConstraint(
                    model_name='complexconnection',
                    constraint=models.UniqueConstraint(fields=('network', 'premises'), name='complex_connection_unique_premises'),
                ),
                migrations.AddConstraint(
                    model_name='complexconnection',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'abandoned'), _negated=True), models.Q(('abandon_reason', ''), _negated=True), _connector='OR'), name='complex_connection_abandon_has_reason'),
                ),
                migrations.AddConstraint(
                    model_name='complexconnectioncostmodel',
                    constraint=models.UniqueConstraint(fields=('network',), name='complex_cost_model_one_per_network', nulls_distinct=False),
                ),
        ]),
        migrations.RunPython(relabel_content_types, restore_content_types),
    ]
