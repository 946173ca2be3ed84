"""Ordering vehicles from the manufacturer (订车) and receiving them: a month's order by trim and colour, its
submission, the manufacturer's confirmation, the vehicles it allocates (VIN, invoice cost, floor-plan financing
start; in transit until received), their receipt into stock, and the floor-plan interest their age costs.

Every change of state locks the order (or the vehicle) and checks its state again under the lock."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from dealerkpi.catalog.models import Trim
from dealerkpi.core.money import fen
from dealerkpi.org.models import Store
from dealerkpi.stock.models import FloorPlanRate, Vehicle, VehicleOrder, VehicleOrderLine

DAYS_A_YEAR = Decimal(365)  # floor-plan interest is charged by the day on a 365-day year


def _locked(order: VehicleOrder, status: str, refusal: str) -> VehicleOrder:
    locked = VehicleOrder.objects.select_for_update().get(pk=order.pk)
    if locked.status != status:
        raise ValidationError(refusal)
    return locked


@transaction.atomic
def start_order(store: Store, month: datetime.date) -> VehicleOrder:
    """The store's order for ``month`` (its first day): the one there is, or a new draft."""
    order, _created = VehicleOrder.objects.get_or_create(store=store, month=month.replace(day=1))
    return order


@transaction.atomic
def set_line(order: VehicleOrder, trim: Trim, colour: str, quantity: int) -> None:
    """Order ``quantity`` of a trim in a colour (0 takes the line off) while the order is a draft."""
    order = _locked(order, VehicleOrder.Status.DRAFT, _("Only a draft order can be changed."))
    if quantity == 0:
        VehicleOrderLine.objects.filter(order=order, trim=trim, colour=colour).delete()
        return
    line, _created = VehicleOrderLine.objects.get_or_create(
        order=order, trim=trim, colour=colour, defaults={"store_id": order.store_id, "quantity": quantity})
    line.quantity = quantity
    line.full_clean()
    line.save()


@transaction.atomic
def submit(order: VehicleOrder, on: datetime.date) -> VehicleOrder:
    order = _locked(order, VehicleOrder.Status.DRAFT, _("This order has been submitted already."))
    if not order.lines.exists():
        raise ValidationError(_("Add at least one line before submitting the order."))
    order.status, order.submitted_on = VehicleOrder.Status.SUBMITTED, on
    order.save(update_fields=["status", "submitted_on"])
    return order


@transaction.atomic
def confirm(order: VehicleOrder, confirmed: Mapping[int, int], on: datetime.date) -> VehicleOrder:
    """Record the quantities the manufacturer confirmed, by line id, every line at once."""
    order = _locked(order, VehicleOrder.Status.SUBMITTED, _("Only a submitted order can be confirmed."))
    lines = list(order.lines.all())
    if {line.pk for line in lines} != set(confirmed):
        raise ValidationError(_("Give the confirmed quantity of every line."))
    for line in lines:  # saved one by one, so the audit trail keeps each line's confirmed quantity
        line.confirmed = confirmed[line.pk]
        line.save(update_fields=["confirmed"])
    order.status, order.confirmed_on = VehicleOrder.Status.CONFIRMED, on
    order.save(update_fields=["status", "confirmed_on"])
    return order


@transaction.atomic
def allocate(line: VehicleOrderLine, vin: str, cost: Decimal, financed_from: datetime.date) -> Vehicle:
    """A vehicle the manufacturer allocated on a confirmed line: in transit to the store until received."""
    _locked(line.order, VehicleOrder.Status.CONFIRMED, _("Vehicles are allocated on a confirmed order."))
    if line.vehicles.count() >= (line.confirmed or 0):
        raise ValidationError(_("Every vehicle confirmed on this line has been allocated."))
    vehicle = Vehicle(store_id=line.store_id, vin=vin, trim_id=line.trim_id, colour=line.colour, cost=cost,
                      status=Vehicle.Status.IN_TRANSIT, order_line=line, financed_from=financed_from)
    return _saved(vehicle)


@transaction.atomic
def enter_vehicle(store: Store, vin: str, trim: Trim, colour: str, cost: Decimal,
                  financed_from: datetime.date | None, arrived_on: datetime.date | None) -> Vehicle:
    """A vehicle entered by hand (bought outside an order here, or from before the system): in stock from
    ``arrived_on``, or in transit without it."""
    status = Vehicle.Status.IN_TRANSIT if arrived_on is None else Vehicle.Status.IN_STOCK
    vehicle = Vehicle(store=store, vin=vin, trim=trim, colour=colour, cost=cost, status=status,
                      financed_from=financed_from, arrived_on=arrived_on)
    return _saved(vehicle)


def _saved(vehicle: Vehicle) -> Vehicle:
    vehicle.full_clean()
    try:
        with transaction.atomic():
            vehicle.save()
    except IntegrityError:  # the same VIN saved by someone else since the check
        raise ValidationError({"vin": _("A vehicle with this VIN exists already.")}) from None
    return vehicle


@transaction.atomic
def receive(store: Store, vin: str, on: datetime.date, location: str, damage_note: str) -> Vehicle:
    """A vehicle in transit to ``store`` arrives: it enters stock on ``on`` at ``location``, with the damage found
    (empty: none)."""
    vehicle = Vehicle.objects.select_for_update().filter(store=store, vin=vin).first()
    if vehicle is None:
        raise ValidationError({"vin": _("No vehicle with this VIN is on its way to this store.")})
    if vehicle.status != Vehicle.Status.IN_TRANSIT:
        raise ValidationError({"vin": _("This vehicle has been received already.")})
    if vehicle.financed_from and on < vehicle.financed_from:
        raise ValidationError({"received_on": _("A vehicle cannot arrive before it was invoiced.")})
    vehicle.status, vehicle.arrived_on = Vehicle.Status.IN_STOCK, on
    vehicle.location, vehicle.damage_note = location, damage_note
    vehicle.save(update_fields=["status", "arrived_on", "location", "damage_note"])
    return vehicle


def allocated_counts(order: VehicleOrder) -> dict[int, int]:
    """Vehicles allocated so far, by line id, in one query."""
    return dict(Vehicle.objects.filter(order_line__order=order).order_by().values_list("order_line")
                .annotate(n=Count("pk")).values_list("order_line", "n"))


# --- floor-plan interest -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """A store's floor-plan rates (% a year) by the day they take effect, oldest first: each is in force from its
    day until the next one."""

    steps: tuple[tuple[datetime.date, Decimal], ...]

    def in_force(self, day: datetime.date) -> Decimal | None:
        """The rate on ``day``; None before the first rate."""
        found = None
        for valid_from, percent in self.steps:
            if valid_from > day:
                break
            found = percent
        return found

    def covers(self, day: datetime.date) -> bool:
        return bool(self.steps) and self.steps[0][0] <= day

    def interest(self, cost: Decimal, start: datetime.date, today: datetime.date) -> Decimal:
        """Interest on ``cost`` for each day from ``start`` up to (not including) ``today`` at the rate in force that
        day, not rounded; days before the first rate are not charged (see ``covers``)."""
        total = Decimal(0)
        for index, (valid_from, percent) in enumerate(self.steps):
            until = self.steps[index + 1][0] if index + 1 < len(self.steps) else today
            days = (min(until, today) - max(valid_from, start)).days
            total += interest(cost, percent, days)
        return total


def rates_of(store_id: int) -> Rates:
    """The store's floor-plan rates, in one query."""
    rows = FloorPlanRate.objects.filter(store_id=store_id).order_by("valid_from")
    return Rates(tuple(rows.values_list("valid_from", "annual_percent")))


def rate_history(store_id: int) -> QuerySet[FloorPlanRate]:
    return FloorPlanRate.objects.filter(store_id=store_id).order_by("-valid_from")


@transaction.atomic
def set_rate(store: Store, annual_percent: Decimal, valid_from: datetime.date) -> FloorPlanRate:
    """The store's rate from ``valid_from`` (until its next rate); the rate of that day is replaced. Saved through
    the model, so the audit trail keeps the rate before and after."""
    Store.objects.select_for_update().filter(pk=store.pk).first()  # one writer of a store's rates at a time
    rate = FloorPlanRate.objects.filter(store=store, valid_from=valid_from).first()
    if rate is None:
        rate = FloorPlanRate(store=store, valid_from=valid_from)
    rate.annual_percent = annual_percent
    rate.full_clean()
    rate.save()
    return rate


def interest(cost: Decimal, annual_percent: Decimal, days: int) -> Decimal:
    """Floor-plan interest on ``cost`` for ``days`` days at ``annual_percent`` a year, not rounded."""
    return cost * annual_percent / 100 * max(days, 0) / DAYS_A_YEAR


@dataclass
class Financing:
    """Vehicles financed and not yet sold (in transit or on hand): their invoice cost and interest to date."""

    vehicles: int
    value: Decimal
    interest: Decimal | None  # rounded to the fen; None without a rate
    rate: Decimal | None  # in force today
    unrated: int  # vehicles financed from before the store's first rate: those days are not charged


FINANCED = (Vehicle.Status.IN_TRANSIT, Vehicle.Status.IN_STOCK, Vehicle.Status.ALLOCATED)


def financing(vehicles: QuerySet[Vehicle], store_id: int, today: datetime.date) -> Financing:
    """What the store's unsold vehicles cost it: the value at invoice cost, and the interest accrued since each
    vehicle's financing start, each day at the rate in force that day (none for a vehicle without a start), in
    two queries."""
    rows = list(vehicles.filter(store_id=store_id, status__in=FINANCED).values_list("cost", "financed_from"))
    rates = rates_of(store_id)
    value = sum((cost for cost, _start in rows), Decimal(0))
    accrued = None if not rates.steps else fen(sum(
        (rates.interest(cost, start, today) for cost, start in rows if start), Decimal(0)))
    unrated = sum(1 for _cost, start in rows if start and not rates.covers(start)) if rates.steps else 0
    return Financing(len(rows), value, accrued, rates.in_force(today), unrated)


def vehicle_interest(vehicle: Vehicle, today: datetime.date) -> Decimal | None:
    """The interest a vehicle not yet sold has cost so far (rounded to the fen); None without a rate or start."""
    rates = rates_of(vehicle.store_id)
    if not rates.steps or vehicle.financed_from is None or vehicle.status not in FINANCED:
        return None
    return fen(rates.interest(vehicle.cost, vehicle.financed_from, today))
