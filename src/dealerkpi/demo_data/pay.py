"""Pay for the generated groups: the example plans published from the first generated month (plans.py), and the
monthly targets they read, at every level they read them (targets.py). Written in bulk, without audit entries,
like the rest of the generated data."""

from __future__ import annotations

import datetime

from django.db import transaction

from dealerkpi.core.bulk import BulkWriter
from dealerkpi.demo_data.plans import publish_example_plans, targets_read
from dealerkpi.demo_data.targets import write_targets
from dealerkpi.org.models import DealerGroup


def seed_pay(first: datetime.date, last: datetime.date, seed: int) -> dict[str, int]:
    """Plans and targets for every generated group, for the period ``first`` to ``last``; the rows written by
    table."""
    group_ids = list(DealerGroup.objects.order_by("pk").values_list("pk", flat=True))
    writer = BulkWriter()
    with transaction.atomic():
        examples = publish_example_plans(writer, group_ids, first.replace(day=1))
        writer.flush()
        write_targets(writer, group_ids, first, last, seed, targets_read(example.plan for example in examples))
        writer.close()
    return {model._meta.label: writer.written[model] for model in writer.tables}
