"""The manufacturer's side of the generated groups: the example commercial policy for each brand a group's stores
sell, in force from the first generated month; the manufacturer's monthly retail and wholesale targets for each
store, near what the store delivered and was invoiced (a little above or below, as a manufacturer pushes); and
its satisfaction score (SSI) for each month that is over. Drawn from their own random stream, so the rest of the
generated data does not change."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from random import Random

from django.db import transaction
from django.db.models.functions import TruncMonth

from dealerkpi.demo_data.plans import EXAMPLES, head_office_login
from dealerkpi.metrics.period import SHANGHAI
from dealerkpi.oem.models import CommercialPolicy, ManufacturerScore, ManufacturerTarget
from dealerkpi.oem.policy import read_policy
from dealerkpi.org.models import Store
from dealerkpi.sales.models import Delivery
from dealerkpi.stock.models import Vehicle

EXAMPLE = EXAMPLES / "policies" / "commercial_policy.yaml"


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _per_month(rows: list[tuple[int, datetime.date]]) -> Counter[tuple[int, datetime.date]]:
    return Counter((store_id, (month.date() if isinstance(month, datetime.datetime) else month).replace(day=1))
                   for store_id, month in rows)


def _target(rng: Random, done: int) -> Decimal:
    return Decimal(max(1, round(done * rng.uniform(0.9, 1.15))))


def seed_oem(first: datetime.date, last: datetime.date, seed: int) -> dict[str, int]:
    """Policies, targets and scores for every generated store with a brand; the rows written by table."""
    document = EXAMPLE.read_text(encoding="utf-8")
    read_policy(document)
    rng = Random(f"oem-{seed}")
    stores = list(Store.objects.filter(brand__isnull=False).select_related("region").order_by("pk"))
    months = _months(first, last)
    delivered = _per_month(list(Delivery.objects.filter(delivered_at__isnull=False).annotate(
        month=TruncMonth("delivered_at", tzinfo=SHANGHAI)).values_list("store_id", "month")))
    invoiced = _per_month(list(Vehicle.objects.filter(financed_from__isnull=False).annotate(
        month=TruncMonth("financed_from")).values_list("store_id", "month")))
    policies = {(store.region.group_id, store.brand_id) for store in stores}
    eve = datetime.datetime.combine(months[0] - datetime.timedelta(days=1), datetime.time(18), tzinfo=SHANGHAI)
    targets, scores = [], []
    under_way = last.replace(day=1)
    for store in stores:
        for month in months:  # a month that is over is set near what it did; the month under way near the last
            basis = month if month < under_way else (month - datetime.timedelta(days=1)).replace(day=1)
            targets += [ManufacturerTarget(store=store, month=month, figure="units_delivered",
                                           value=_target(rng, delivered[store.pk, basis])),
                        ManufacturerTarget(store=store, month=month, figure="units_wholesale",
                                           value=_target(rng, invoiced[store.pk, basis]))]
            if month < under_way:
                scores.append(ManufacturerScore(store=store, month=month, item="csi",
                                                value=Decimal(rng.randint(820, 975)) / 10))
    with transaction.atomic():
        written = CommercialPolicy.objects.bulk_create(
            CommercialPolicy(group_id=group_id, brand_id=brand_id, valid_from=months[0], document=document,
                             note="example policy", published_by_id=head_office_login(group_id))
            for group_id, brand_id in sorted(policies))
        CommercialPolicy.objects.filter(pk__in=[p.pk for p in written]).update(published_at=eve)
        ManufacturerTarget.objects.bulk_create(targets)
        ManufacturerScore.objects.bulk_create(scores)
    return {"oem.CommercialPolicy": len(written), "oem.ManufacturerTarget": len(targets),
            "oem.ManufacturerScore": len(scores)}
