"""Pay for the generated group: the example plans published from the first generated month, and monthly
person targets near what each store delivers (so a bonus run on generated data has something to score)."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dealerkpi.org.models import DealerGroup, Role, RoleAssignment
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, parse_plan_document, publish_version
from dealerkpi.sales.models import Delivery
from dealerkpi.targets.models import Target

EXAMPLE_PLANS = ("consultant", "supervisor", "sales_manager")
TARGET_STRETCH = (1.0, 1.2)  # a store's unit target over what it delivered, drawn per store and month
HIGH_MARGIN_SHARE = Decimal("0.2")
PROFIT_PER_UNIT = Decimal("3000")
NEW_LEADS = Decimal("40")
CLOSING_RATE = Decimal("8")


def examples_dir() -> Path:
    return Path(settings.BASE_DIR) / "examples" / "plans"


def publish_example_plans(group: DealerGroup, first_month: datetime.date) -> list[Plan]:
    plans = []
    for code in EXAMPLE_PLANS:
        document = (examples_dir() / f"{code}.yaml").read_text(encoding="utf-8")
        engine_plan = parse_plan_document(document, source=f"{code}.yaml")
        plan = Plan.objects.create(group=group, code=code, name=engine_plan.name, role=engine_plan.role)
        publish_version(plan, document, first_month, note="example plan")
        plans.append(plan)
    return plans


def _months(first: datetime.date, last: datetime.date) -> list[Period]:
    months, period = [], Period(first.year, first.month)
    while period.first_day <= last:
        months.append(period)
        period = Period(period.year + period.month // 12, period.month % 12 + 1)
    return months


def _deliveries_by_store_month(group: DealerGroup) -> dict[tuple[int, datetime.date], int]:
    rows = (
        Delivery.objects.filter(store__region__group=group, delivered_at__isnull=False)
        .annotate(month=TruncMonth("delivered_at", tzinfo=timezone.get_current_timezone()))
        .values_list("store_id", "month").annotate(n=Count("pk"))
    )
    return {(store_id, month.date()): n for store_id, month, n in rows}


def _consultants(group: DealerGroup, period: Period) -> dict[int, list[int]]:
    """The consultants of each store during the month, in a stable order."""
    held = RoleAssignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=period.first_day),
        store__region__group=group, role=Role.CONSULTANT, valid_from__lte=period.last_day,
    ).order_by("store_id", "staff_id").values_list("store_id", "staff_id").distinct()
    by_store: dict[int, list[int]] = defaultdict(list)
    for store_id, staff_id in held:
        by_store[store_id].append(staff_id)
    return by_store


def _split(total: int, people: int) -> list[int]:
    """Whole cars shared out as evenly as possible, the remainder to the first."""
    share, extra = divmod(total, people)
    return [share + (1 if n < extra else 0) for n in range(people)]


def write_targets(group: DealerGroup, first: datetime.date, last: datetime.date, seed: int) -> int:
    delivered = _deliveries_by_store_month(group)
    rows = []
    for period in _months(first, last):
        for store_id, staff_ids in _consultants(group, period).items():
            rng = random.Random(f"{seed}-{store_id}-{period}")
            store_units = round(delivered.get((store_id, period.first_day), 0) * rng.uniform(*TARGET_STRETCH))
            for staff_id, units in zip(staff_ids, _split(max(store_units, len(staff_ids)), len(staff_ids)),
                                       strict=True):
                figures = {
                    "units_delivered": Decimal(units),
                    "units_by_margin_class:high": max(Decimal(1), (units * HIGH_MARGIN_SHARE).quantize(Decimal(1))),
                    "front_gross_profit": units * PROFIT_PER_UNIT,
                    "new_leads": NEW_LEADS,
                    "visit_to_order_rate": CLOSING_RATE,
                }
                rows += [Target(store_id=store_id, staff_id=staff_id, month=period.first_day, metric=metric,
                                value=value) for metric, value in figures.items()]
    Target.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def seed_pay(first: datetime.date, last: datetime.date, seed: int) -> dict[str, int]:
    """Plans and targets for every generated group."""
    counts = {"plans.Plan": 0, "targets.Target": 0}
    for group in DealerGroup.objects.all():
        counts["plans.Plan"] += len(publish_example_plans(group, first.replace(day=1)))
        counts["targets.Target"] += write_targets(group, first, last, seed)
    return counts
