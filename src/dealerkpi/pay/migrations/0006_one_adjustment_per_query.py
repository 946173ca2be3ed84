# An accepted query's adjustment named by the adjustment (unique), no longer by the query: the database then refuses
# a second adjustment for one query. And a form token on adjustments entered by hand, so a form sent twice saves
# once (dealerkpi.core.once).

import django.db.models.deletion
from django.db import migrations, models


def checked_now(schema_editor):
    """PostgreSQL checks the foreign keys written here at once: pending trigger events would refuse the ALTER TABLEs
    that follow in the same transaction."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def adjustments_name_their_queries(apps, schema_editor):
    StatementQuery = apps.get_model("pay", "StatementQuery")
    Adjustment = apps.get_model("pay", "Adjustment")
    checked_now(schema_editor)
    for query_id, adjustment_id in StatementQuery.objects.filter(adjustment__isnull=False).values_list(
            "pk", "adjustment_id"):
        Adjustment.objects.filter(pk=adjustment_id).update(query_id=query_id)


def queries_name_their_adjustments(apps, schema_editor):
    StatementQuery = apps.get_model("pay", "StatementQuery")
    Adjustment = apps.get_model("pay", "Adjustment")
    checked_now(schema_editor)
    for adjustment_id, query_id in Adjustment.objects.filter(query__isnull=False).values_list("pk", "query_id"):
        StatementQuery.objects.filter(pk=query_id).update(adjustment_id=adjustment_id)


class Migration(migrations.Migration):

    dependencies = [
        ('pay', '0005_run_heartbeat'),
    ]

    operations = [
        migrations.AddField(
            model_name='adjustment',
            name='entry_token',
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name='form token'),
        ),
        migrations.AddConstraint(
            model_name='adjustment',
            constraint=models.UniqueConstraint(fields=('store', 'entry_token'), name='adjustment_entered_once'),
        ),
        migrations.AlterField(  # frees the name "query" on the adjustment for the new field
            model_name='statementquery',
            name='adjustment',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pay.adjustment', verbose_name='adjustment'),
        ),
        migrations.AddField(
            model_name='adjustment',
            name='query',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='adjustment', to='pay.statementquery', verbose_name='accepted query'),
        ),
        migrations.RunPython(adjustments_name_their_queries, queries_name_their_adjustments),
        migrations.RemoveField(
            model_name='statementquery',
            name='adjustment',
        ),
    ]
