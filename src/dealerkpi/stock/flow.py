"""The purchase-sales-stock report (进销存) of a month, per model, from the vehicle records: one definition of
stock at a moment, used for the opening and the closing.

- stock at a moment: vehicles received (arrival date) before it and not delivered before it; demo vehicles are
  never sale stock and are left out everywhere;
- received: vehicles that arrived in the month; sold: vehicles delivered in the month (the delivery of the order
  the vehicle is on; a sale unwound has freed its vehicle, which counts as never sold);
- out to / back from dealers: transfers between the store and its secondary dealers in the month. A vehicle at a
  secondary dealer is still the store's stock, so transfers move stock but do not change it: closing = opening +
  received - sold.
Values are invoice costs."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from dealerkpi.stock.models import Transfer, Vehicle

MEASURES = ("opening", "received", "sold", "out", "back", "closing")


@dataclass
class Line:
    """One model's month: a count and a value for each measure."""

    model: str
    counts: dict[str, int] = field(default_factory=dict)
    values: dict[str, Decimal] = field(default_factory=dict)

    def cells(self) -> list[tuple[int, Decimal]]:
        return [(self.counts.get(m, 0), self.values.get(m, Decimal(0))) for m in MEASURES]


@dataclass
class Flow:
    month: datetime.date
    lines: list[Line]

    def totals(self) -> Line:
        total = Line("")
        for measure in MEASURES:
            total.counts[measure] = sum(line.counts.get(measure, 0) for line in self.lines)
            total.values[measure] = sum((line.values.get(measure, Decimal(0)) for line in self.lines), Decimal(0))
        return total


def _moment(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _delivered_before(day: datetime.date) -> Q:
    return Q(status=Vehicle.Status.DELIVERED, order__delivery__delivered_at__lt=_moment(day))


def stock_at(vehicles: QuerySet[Vehicle], day: datetime.date) -> QuerySet[Vehicle]:
    """The stock at the start of ``day``."""
    return vehicles.filter(arrived_on__lt=day).exclude(_delivered_before(day))


def _by_model(rows: QuerySet, path: str = "trim__vehicle_model__name", cost: str = "cost") -> dict:
    grouped = rows.order_by().values(path).annotate(n=Count("pk"), value=Sum(cost))
    return {row[path]: (row["n"], row["value"] or Decimal(0)) for row in grouped}


def month_flow(store_ids: Sequence[int], month: datetime.date) -> Flow:
    """The month's opening, received, sold, transfers and closing per model of the stores' vehicles, one grouped
    query per measure."""
    end = next_month(month)
    vehicles = Vehicle.objects.filter(store_id__in=store_ids).exclude(status=Vehicle.Status.DEMO)
    moves = Transfer.objects.filter(store_id__in=store_ids, moved_on__gte=month, moved_on__lt=end)
    vehicle_path = ("vehicle__trim__vehicle_model__name", "vehicle__cost")
    measured = {
        "opening": _by_model(stock_at(vehicles, month)),
        "received": _by_model(vehicles.filter(arrived_on__gte=month, arrived_on__lt=end)),
        "sold": _by_model(vehicles.filter(
            arrived_on__isnull=False, status=Vehicle.Status.DELIVERED,
            order__delivery__delivered_at__gte=_moment(month), order__delivery__delivered_at__lt=_moment(end))),
        "out": _by_model(moves.filter(from_dealer__isnull=True, to_dealer__isnull=False), *vehicle_path),
        "back": _by_model(moves.filter(from_dealer__isnull=False, to_dealer__isnull=True), *vehicle_path),
        "closing": _by_model(stock_at(vehicles, end)),
    }
    lines: dict[str, Line] = {}
    for measure, by_model in measured.items():
        for model, (count, value) in by_model.items():
            line = lines.setdefault(model, Line(model))
            line.counts[measure], line.values[measure] = count, value
    return Flow(month, [lines[name] for name in sorted(lines)])
