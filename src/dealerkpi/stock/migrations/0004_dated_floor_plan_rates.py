"""Floor-plan rates become dated: several per store, each from a day. A rate set before this migration stays in
force from the earliest day the system takes (2000-01-01), so every vehicle keeps the interest it had."""

import datetime

import django.db.models.deletion
from django.db import migrations, models

EARLIEST = datetime.date(2000, 1, 1)


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0003_minimum_wage'),
        ('stock', '0003_secondary_dealers'),
    ]

    operations = [
        migrations.AddField(
            model_name='floorplanrate',
            name='valid_from',
            field=models.DateField(default=EARLIEST, verbose_name='valid from'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='floorplanrate',
            name='store',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='floor_plan_rates',
                                    to='org.store', verbose_name='store'),
        ),
        migrations.AlterModelOptions(
            name='floorplanrate',
            options={'ordering': ['store', '-valid_from'], 'verbose_name': 'floor-plan interest rate',
                     'verbose_name_plural': 'floor-plan interest rates'},
        ),
        migrations.AddConstraint(
            model_name='floorplanrate',
            constraint=models.UniqueConstraint(fields=('store', 'valid_from'), name='one_floor_plan_rate_a_day'),
        ),
    ]
