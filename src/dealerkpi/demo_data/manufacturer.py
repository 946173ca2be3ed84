"""The manufacturer's side of the generated stores, written once the stores are: each store's floor-plan rates
(a rate from before its first car, cut once a few months ago, as the loan prime rate moves), its wholesale prices
to its secondary dealers (the invoice cost of each trim's price list plus the store's margin), the floor-plan
financing start of its cars (the invoice, a week before arrival), and its monthly orders to the manufacturer for
the last three months, confirmed, with the cars received and in transit allocated against them, and next month's
order in the works. Written in bulk, without audit entries, like the rest of the generated data; the same rows
for the same seed."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from django.db import transaction
from django.db.models import DateField, ExpressionWrapper, F, Min

from dealerkpi.catalog.models import TrimPrice
from dealerkpi.demo_data.clock import month_start
from dealerkpi.demo_data.draws import rng_for
from dealerkpi.org.models import Store
from dealerkpi.stock.flow import next_month
from dealerkpi.stock.models import FloorPlanRate, Vehicle, VehicleOrder, VehicleOrderLine, WholesalePrice

INVOICED_BEFORE_ARRIVAL = datetime.timedelta(days=7)
RATES = (Decimal("4.35"), Decimal("4.60"), Decimal("4.85"))  # % a year: the loan prime rate plus the bank's margin
RATE_CUT = Decimal("0.35")
ORDER_MONTHS = 3  # the months with a confirmed order: the current one and the two before it
HUNDRED_YUAN = Decimal(100)


@dataclass(frozen=True)
class Car:
    pk: int
    store_id: int
    trim_id: int
    colour: str
    arrived_on: datetime.date | None


def seed_manufacturer(until: datetime.date, seed: int) -> dict[str, int]:
    """Rates, wholesale prices, financing starts and orders for every generated store; the rows written by table."""
    stores = list(Store.objects.order_by("code").values_list("pk", "code", "brand_id"))
    with transaction.atomic():
        _financing_starts()
        rates = FloorPlanRate.objects.bulk_create(_rates(stores, until, seed))
        prices = WholesalePrice.objects.bulk_create(_wholesale_prices(stores, until, seed))
        orders, lines = _orders(stores, until, seed)
    return {FloorPlanRate._meta.label: len(rates), WholesalePrice._meta.label: len(prices),
            VehicleOrder._meta.label: orders, VehicleOrderLine._meta.label: lines}


def _financing_starts() -> None:
    """Every car received was invoiced, and its floor-plan loan drawn, a week before it arrived (one update)."""
    Vehicle.objects.filter(arrived_on__isnull=False).exclude(status=Vehicle.Status.DEMO).update(
        financed_from=ExpressionWrapper(F("arrived_on") - INVOICED_BEFORE_ARRIVAL, output_field=DateField()))


def _first_arrival(store_ids: list[int]) -> dict[int, datetime.date]:
    rows = Vehicle.objects.filter(store_id__in=store_ids, arrived_on__isnull=False).order_by().values("store_id")
    return {row["store_id"]: row["first"] for row in rows.annotate(first=Min("arrived_on"))}


def _rates(stores: list[tuple[int, str, int]], until: datetime.date, seed: int) -> list[FloorPlanRate]:
    first = _first_arrival([pk for pk, _code, _brand in stores])
    cut_on = month_start(until, back=4)
    found = []
    for pk, code, _brand in stores:
        rng = rng_for(seed, "floor plan", code)
        rate = RATES[int(rng.random() * len(RATES))]
        since = first.get(pk, until) - INVOICED_BEFORE_ARRIVAL - datetime.timedelta(days=30)
        found.append(FloorPlanRate(store_id=pk, valid_from=min(since, cut_on), annual_percent=rate))
        found.append(FloorPlanRate(store_id=pk, valid_from=cut_on, annual_percent=rate - RATE_CUT))
    return found


def _wholesale_prices(stores: list[tuple[int, str, int]], until: datetime.date,
                      seed: int) -> list[WholesalePrice]:
    """The store's price to its dealers from each price list of its brand's trims: the invoice cost plus 1.5 to
    3 per cent, to the hundred yuan."""
    lists = defaultdict(list)
    for brand_id, trim_id, valid_from, cost in TrimPrice.objects.filter(valid_from__lte=until).order_by(
            "trim_id", "valid_from").values_list("trim__vehicle_model__brand_id", "trim_id", "valid_from", "cost"):
        lists[brand_id].append((trim_id, valid_from, cost))
    found = []
    for pk, code, brand in stores:
        margin = Decimal(rng_for(seed, "wholesale", code).randint(15, 30)) / 1000
        for trim_id, valid_from, cost in lists[brand]:
            price = (cost * (1 + margin) / HUNDRED_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP) * HUNDRED_YUAN
            found.append(WholesalePrice(store_id=pk, trim_id=trim_id, valid_from=valid_from, price=price))
    return found


def _cars(store_ids: list[int], since: datetime.date) -> list[Car]:
    """The cars received since ``since`` and those in transit, in one query."""
    received = Vehicle.objects.filter(store_id__in=store_ids, arrived_on__gte=since)
    in_transit = Vehicle.objects.filter(store_id__in=store_ids, status=Vehicle.Status.IN_TRANSIT)
    chosen = (received | in_transit).exclude(status=Vehicle.Status.DEMO).order_by("pk")
    return [Car(*row) for row in chosen.values_list("pk", "store_id", "trim_id", "colour", "arrived_on")]


def _orders(stores: list[tuple[int, str, int]], until: datetime.date, seed: int) -> tuple[int, int]:
    """Each store's confirmed orders of the last months, one line per trim and colour it received that month
    (this month's also those in transit), the cars allocated on them; and next month's order, in the works."""
    current = month_start(until)
    cars: dict[tuple[int, datetime.date], list[Car]] = defaultdict(list)
    for car in _cars([pk for pk, _code, _brand in stores], month_start(until, back=ORDER_MONTHS - 1)):
        cars[(car.store_id, current if car.arrived_on is None else month_start(car.arrived_on))].append(car)
    orders: list[tuple[VehicleOrder, list[Car], Random]] = []
    for pk, code, _brand in stores:
        for back in range(ORDER_MONTHS - 1, -1, -1):
            month = month_start(until, back)
            submitted = month - datetime.timedelta(days=11)  # about the 20th of the month before
            order = VehicleOrder(store_id=pk, month=month, status=VehicleOrder.Status.CONFIRMED,
                                 submitted_on=submitted, confirmed_on=submitted + datetime.timedelta(days=4))
            orders.append((order, cars[(pk, month)], rng_for(seed, "order", code, month)))
        submitted = until.day >= 20
        orders.append((VehicleOrder(store_id=pk, month=next_month(current), submitted_on=until if submitted else None,
                                    status=VehicleOrder.Status.SUBMITTED if submitted else VehicleOrder.Status.DRAFT),
                       cars[(pk, current)], rng_for(seed, "order", code, "next")))
    VehicleOrder.objects.bulk_create([order for order, _cars, _rng in orders])
    lines, allocated = [], []
    for order, received, rng in orders:
        for (trim_id, colour), group in _by_trim_and_colour(received):
            more = 1 if rng.random() < 0.2 else 0  # asked for one more than the manufacturer could give
            line = VehicleOrderLine(order=order, store_id=order.store_id, trim_id=trim_id, colour=colour,
                                    quantity=len(group) + more)
            if order.status == VehicleOrder.Status.CONFIRMED:
                line.confirmed = len(group)
                allocated += [(line, car, rng) for car in group]
            lines.append(line)
    VehicleOrderLine.objects.bulk_create(lines)
    Vehicle.objects.bulk_update([_allocated(line, car, rng, until) for line, car, rng in allocated],
                                ["order_line", "financed_from"], batch_size=500)
    return len(orders), len(lines)


def _by_trim_and_colour(cars: list[Car]) -> list[tuple[tuple[int, str], list[Car]]]:
    grouped: dict[tuple[int, str], list[Car]] = defaultdict(list)
    for car in cars:
        grouped[(car.trim_id, car.colour)].append(car)
    return sorted(grouped.items())


def _allocated(line: VehicleOrderLine, car: Car, rng: Random, until: datetime.date) -> Vehicle:
    """The car on its line, financed from its invoice: a week before it arrived, or for a car in transit a few
    days ago."""
    start = (car.arrived_on - INVOICED_BEFORE_ARRIVAL if car.arrived_on
             else until - datetime.timedelta(days=rng.randint(1, 12)))
    return Vehicle(pk=car.pk, order_line=line, financed_from=start)
