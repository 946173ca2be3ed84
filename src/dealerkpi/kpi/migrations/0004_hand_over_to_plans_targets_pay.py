"""Hand the tables of plans, targets and runs over to the apps plans, targets and pay.

The tables are renamed to their new apps' names and leave this app's state; the new apps' first migrations take
them into theirs without touching the database. Content types follow, so the audit trail keeps its records."""

from django.db import migrations

MOVED = {'plan': 'plans', 'planversion': 'plans', 'target': 'targets', 'annualtarget': 'targets', 'seasonaldistribution': 'targets', 'run': 'pay', 'statement': 'pay', 'statementindicator': 'pay', 'statementline': 'pay', 'manualrating': 'pay', 'adjustment': 'pay', 'statementquery': 'pay'}


def move_content_types(apps, schema_editor) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model, app in MOVED.items():
        content_type.objects.filter(app_label="kpi", model=model).update(app_label=app)


def move_content_types_back(apps, schema_editor) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model, app in MOVED.items():
        content_type.objects.filter(app_label=app, model=model).update(app_label="kpi")


class Migration(migrations.Migration):

    dependencies = [
        ('kpi', '0003_statement_wording'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelTable(name='plan', table='plans_plan'),
        migrations.AlterModelTable(name='planversion', table='plans_planversion'),
        migrations.AlterModelTable(name='target', table='targets_target'),
        migrations.AlterModelTable(name='annualtarget', table='targets_annualtarget'),
        migrations.AlterModelTable(name='seasonaldistribution', table='targets_seasonaldistribution'),
        migrations.AlterModelTable(name='run', table='pay_run'),
        migrations.AlterModelTable(name='statement', table='pay_statement'),
        migrations.AlterModelTable(name='statementindicator', table='pay_statementindicator'),
        migrations.AlterModelTable(name='statementline', table='pay_statementline'),
        migrations.AlterModelTable(name='manualrating', table='pay_manualrating'),
        migrations.AlterModelTable(name='adjustment', table='pay_adjustment'),
        migrations.AlterModelTable(name='statementquery', table='pay_statementquery'),
        migrations.RunPython(move_content_types, move_content_types_back),
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.RemoveField(
            model_name='statementline',
            name='adjustment',
        ),
        migrations.RemoveField(
            model_name='statementquery',
            name='adjustment',
        ),
        migrations.RemoveField(
            model_name='annualtarget',
            name='store',
        ),
        migrations.RemoveField(
            model_name='manualrating',
            name='rated_by',
        ),
        migrations.RemoveField(
            model_name='manualrating',
            name='staff',
        ),
        migrations.RemoveField(
            model_name='manualrating',
            name='store',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='group',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='store',
        ),
        migrations.RemoveField(
            model_name='planversion',
            name='plan',
        ),
        migrations.RemoveField(
            model_name='planversion',
            name='created_by',
        ),
        migrations.RemoveField(
            model_name='statement',
            name='plan_version',
        ),
        migrations.RemoveField(
            model_name='run',
            name='approved_by',
        ),
        migrations.RemoveField(
            model_name='run',
            name='created_by',
        ),
        migrations.RemoveField(
            model_name='run',
            name='previous',
        ),
        migrations.RemoveField(
            model_name='run',
            name='store',
        ),
        migrations.RemoveField(
            model_name='run',
            name='submitted_by',
        ),
        migrations.RemoveField(
            model_name='statement',
            name='run',
        ),
        migrations.RemoveField(
            model_name='seasonaldistribution',
            name='store',
        ),
        migrations.RemoveField(
            model_name='statement',
            name='staff',
        ),
        migrations.RemoveField(
            model_name='statement',
            name='store',
        ),
        migrations.RemoveField(
            model_name='statement',
            name='team',
        ),
        migrations.RemoveField(
            model_name='statementquery',
            name='statement',
        ),
        migrations.RemoveField(
            model_name='statementindicator',
            name='statement',
        ),
        migrations.RemoveField(
            model_name='statementline',
            name='statement',
        ),
        migrations.RemoveField(
            model_name='statementquery',
            name='indicator',
        ),
        migrations.RemoveField(
            model_name='statementquery',
            name='line',
        ),
        migrations.RemoveField(
            model_name='statementquery',
            name='answered_by',
        ),
        migrations.RemoveField(
            model_name='statementquery',
            name='raised_by',
        ),
        migrations.RemoveField(
            model_name='target',
            name='staff',
        ),
        migrations.RemoveField(
            model_name='target',
            name='store',
        ),
        migrations.RemoveField(
            model_name='target',
            name='team',
        ),
        migrations.DeleteModel(
            name='Adjustment',
        ),
        migrations.DeleteModel(
            name='AnnualTarget',
        ),
        migrations.DeleteModel(
            name='ManualRating',
        ),
        migrations.DeleteModel(
            name='Plan',
        ),
        migrations.DeleteModel(
            name='PlanVersion',
        ),
        migrations.DeleteModel(
            name='Run',
        ),
        migrations.DeleteModel(
            name='SeasonalDistribution',
        ),
        migrations.DeleteModel(
            name='Statement',
        ),
        migrations.DeleteModel(
            name='StatementIndicator',
        ),
        migrations.DeleteModel(
            name='StatementLine',
        ),
        migrations.DeleteModel(
            name='StatementQuery',
        ),
        migrations.DeleteModel(
            name='Target',
        ),
    ]),
    ]
