"""Statements keep the month's metrics and targets by metric (for later months' quarter and year figures). Earlier
statements get what their indicators recorded: the actual and target of each indicator's metric."""

from collections import defaultdict

from django.db import migrations, models

BATCH = 2000


def fill_from_indicators(apps, schema_editor) -> None:  # noqa: ANN001 - a migration's signature
    Statement = apps.get_model("pay", "Statement")
    Indicator = apps.get_model("pay", "StatementIndicator")
    metrics: dict[int, dict[str, str]] = defaultdict(dict)
    targets: dict[int, dict[str, str]] = defaultdict(dict)
    rows = Indicator.objects.exclude(metric="").values_list("statement_id", "metric", "actual", "target")
    for statement_id, metric, actual, target in rows.iterator(chunk_size=BATCH):
        if actual is not None:
            metrics[statement_id][metric] = f"{actual.normalize():f}"
        if target is not None:
            targets[statement_id][metric] = f"{target.normalize():f}"
    ids = sorted(metrics.keys() | targets.keys())
    for start in range(0, len(ids), BATCH):
        batch = [Statement(pk=pk, month_metrics=metrics.get(pk, {}), month_targets=targets.get(pk, {}))
                 for pk in ids[start:start + BATCH]]
        Statement.objects.bulk_update(batch, ["month_metrics", "month_targets"])


class Migration(migrations.Migration):

    dependencies = [
        ('pay', '0002_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='statement',
            name='month_metrics',
            field=models.JSONField(blank=True, default=dict, verbose_name="the month's metrics"),
        ),
        migrations.AddField(
            model_name='statement',
            name='month_targets',
            field=models.JSONField(blank=True, default=dict, verbose_name="the month's targets by metric"),
        ),
        migrations.RunPython(fill_from_indicators, migrations.RunPython.noop),
    ]
