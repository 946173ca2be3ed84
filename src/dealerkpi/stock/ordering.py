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


def rate_of(store_id: int) -> Decimal | None:
    """The store's floor-plan rate (% a year); None when the store has not set one."""
    return FloorPlanRate.objects.filter(store_id=store_id).values_list("annual_percent", flat=True).first()


@transaction.atomic
def set_rate(store: Store, annual_percent: Decimal) -> None:
    FloorPlanRate.objects.update_or_create(store=store, defaults={"annual_percent": annual_percent})


def interest(cost: Decimal, annual_percent: Decimal, days: int) -> Decimal:
    """Floor-plan interest on ``cost`` for ``days`` days at ``annual_percent`` a year, not rounded."""
    return cost * annual_percent / 100 * max(days, 0) / DAYS_A_YEAR


@dataclass
class Financing:
    """Vehicles financed and not yet sold (in transit or on hand): their invoice cost and interest to date."""

    vehicles: int
    value: Decimal
    interest: Decimal | None  # rounded to the fen; None without a rate
    rate: Decimal | None


FINANCED = (Vehicle.Status.IN_TRANSIT, Vehicle.Status.IN_STOCK, Vehicle.Status.ALLOCATED)


def financing(vehicles: QuerySet[Vehicle], store_id: int, today: datetime.date) -> Financing:
    """What the store's unsold vehicles cost it: the value at invoice cost, and the interest accrued since each
    vehicle's financing start (none for a vehicle without one), in one query."""
    rows = list(vehicles.filter(store_id=store_id, status__in=FINANCED).values_list("cost", "financed_from"))
    rate = rate_of(store_id)
    value = sum((cost for cost, _start in rows), Decimal(0))
    accrued = None if rate is None else fen(sum(
        (interest(cost, rate, (today - start).days) for cost, start in rows if start), Decimal(0)))
    return Financing(len(rows), value, accrued, rate)


def vehicle_interest(vehicle: Vehicle, today: datetime.date) -> Decimal | None:
    """The interest a vehicle not yet sold has cost so far (rounded to the fen); None without a rate or start."""
    rate = rate_of(vehicle.store_id)
    if rate is None or vehicle.financed_from is None or vehicle.status not in FINANCED:
        return None
    return fen(interest(vehicle.cost, rate, (today - vehicle.financed_from).days))

