"""The suggested order to the manufacturer, per trim and colour, from the store's own records:

- sales rate = vehicles delivered in the last 90 days / 3 (a month's sales);
- available = on hand (in stock or allocated to a customer's order) + in transit + still to come (confirmed by the
  manufacturer on earlier orders and not yet allocated);
- suggested = the month's sales + an aim of DEPTH_AIM months of stock at its end - available, rounded half-up to a
  whole vehicle, never below 0.

The aim of one month keeps the stock coefficient under the 1.5 warning line (``services.WARNING_LINE``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.stock.models import Vehicle, VehicleOrder, VehicleOrderLine
from dealerkpi.stock.services import ON_HAND

WINDOW_DAYS = 90
WINDOW_MONTHS = Decimal(3)
DEPTH_AIM = Decimal(1)  # months of stock at the end of the month ordered for

Key = tuple[int, str]  # trim id, colour


@dataclass
class Suggestion:
    trim_id: int
    trim: str
    colour: str
    sold: int = 0
    on_hand: int = 0
    in_transit: int = 0
    to_come: int = 0

    @property
    def monthly_rate(self) -> Decimal:
        return (Decimal(self.sold) / WINDOW_MONTHS).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def suggested(self) -> int:
        wanted = Decimal(self.sold) / WINDOW_MONTHS * (1 + DEPTH_AIM)
        available = self.on_hand + self.in_transit + self.to_come
        return max(0, int((wanted - available).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def _counted(rows: object, into: dict[Key, Suggestion], attribute: str) -> None:
    for row in rows:  # type: ignore[attr-defined]
        key = (row["trim"], row["colour"])
        if key not in into:
            into[key] = Suggestion(row["trim"], f'{row["trim__vehicle_model__name"]} {row["trim__name"]}',
                                   row["colour"])
        setattr(into[key], attribute, row["n"] or 0)


def suggestions(store_id: int, today: datetime.date) -> list[Suggestion]:
    """Each trim and colour the store sold, holds or awaits, with its figures and the suggested quantity; one
    grouped query per figure."""
    group = ("trim", "colour", "trim__vehicle_model__name", "trim__name")
    vehicles = Vehicle.objects.filter(store_id=store_id).order_by()
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=WINDOW_DAYS),
                                                          datetime.time.min))
    found: dict[Key, Suggestion] = {}
    _counted(vehicles.filter(status=Vehicle.Status.DELIVERED, order__delivery__delivered_at__gte=since)
             .values(*group).annotate(n=Count("pk")), found, "sold")
    _counted(vehicles.filter(status__in=ON_HAND).values(*group).annotate(n=Count("pk")), found, "on_hand")
    _counted(vehicles.filter(status=Vehicle.Status.IN_TRANSIT).values(*group).annotate(n=Count("pk")), found,
             "in_transit")
    _counted(_to_come(store_id, group), found, "to_come")
    return sorted(found.values(), key=lambda s: (s.trim, s.colour))


def _to_come(store_id: int, group: tuple[str, ...]) -> list[dict]:
    """Confirmed on the store's orders and not yet allocated, by trim and colour (each line counted alone, then
    summed: a join of lines and vehicles must not repeat a line's confirmed quantity)."""
    per_line = (VehicleOrderLine.objects.filter(store_id=store_id, order__status=VehicleOrder.Status.CONFIRMED)
                .order_by().values("pk", "confirmed", *group).annotate(allocated=Count("vehicles")))
    summed: dict[Key, dict] = {}
    for line in per_line:
        row = summed.setdefault((line["trim"], line["colour"]), {**{name: line[name] for name in group}, "n": 0})
        row["n"] += max(0, (line["confirmed"] or 0) - line["allocated"])
    return [row for row in summed.values() if row["n"] > 0]


@transaction.atomic
def use_suggestion(order: VehicleOrder, today: datetime.date) -> int:
    """Replace a draft order's lines by the suggested quantities; the number of lines written."""
    order = VehicleOrder.objects.select_for_update().get(pk=order.pk)
    if order.status != VehicleOrder.Status.DRAFT:
        raise ValidationError(_("Only a draft order can be changed."))
    wanted = [s for s in suggestions(order.store_id, today) if s.suggested > 0]
    order.lines.all().delete()
    for suggestion in wanted:  # one by one, so the audit trail keeps each line
        VehicleOrderLine.objects.create(order=order, store_id=order.store_id, trim_id=suggestion.trim_id,
                                        colour=suggestion.colour, quantity=suggestion.suggested)
    return len(wanted)
