"""Vehicles from a file (the manufacturer's allocation list, or the stock held before the system): each row a
new vehicle of a store with its VIN, trim (by code), colour, invoice cost, floor-plan financing start and, when
it has arrived, the day it was received (then it is in stock; without it, in transit), as the stock pages enter
one (``stock.ordering.enter_vehicle``). A VIN the system knows already, or twice in the file, is refused."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.catalog.models import Trim
from dealerkpi.stock.models import Vehicle

from .columns import VEHICLE_COLUMNS
from .engine import BATCH, Context, Writer, check_store, chunks, store_ids, typed_rows
from .reading import Table


@dataclass(slots=True)
class Row:
    number: int
    bad: bool
    store: str | None
    vin: str | None
    trim: str | None
    colour: str | None
    cost: Decimal | None
    financed_from: datetime.date | None
    arrived_on: datetime.date | None
    demo: bool | None


class VehicleImport:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.stores: dict[str, int] = {}
        self.trims: dict[str, int] = {}
        self.known_vins: set[str] = set()
        self.first_row: dict[str, int] = {}
        self.writer = Writer(context, self.insert)

    def run(self, table: Table) -> None:
        rows = [Row(number, bad, **values) for number, values, bad in typed_rows(table, VEHICLE_COLUMNS, self.context)]
        self.stores = store_ids({r.store for r in rows if r.store}, self.context)
        self.trims = dict(Trim.objects.filter(code__in=sorted({r.trim for r in rows if r.trim}))
                          .values_list("code", "pk"))
        for chunk in chunks({r.vin for r in rows if r.vin}):
            self.known_vins.update(Vehicle.objects.filter(vin__in=chunk).values_list("vin", flat=True))
        for done, row in enumerate(rows, start=1):
            self.writer.add(self.check(row))
            if done % 1000 == 0:
                self.context.tick("check", done)
        self.writer.flush()

    def check(self, row: Row) -> Model | None:
        store_id = check_store(row.number, row.store, self.stores, self.context)
        trim_id = self._trim(row)
        fresh = self._new_vin(row)
        dated = self._dates(row)
        if row.bad or store_id is None or trim_id is None or not (fresh and dated):
            return None
        return Vehicle(store_id=store_id, vin=row.vin, trim_id=trim_id, colour=row.colour, cost=row.cost,
                       financed_from=row.financed_from, arrived_on=row.arrived_on,
                       status=status_of(row))

    def _trim(self, row: Row) -> int | None:
        if row.trim is None:
            return None
        trim_id = self.trims.get(row.trim)
        if trim_id is None:
            self.context.error(row.number, "trim", row.trim, _("There is no trim with this code in the catalogue."))
        return trim_id

    def _new_vin(self, row: Row) -> bool:
        if row.vin is None:
            return False
        if row.vin in self.known_vins:
            self.context.error(row.number, "vin", row.vin, _("A vehicle with this VIN exists already."))
            return False
        first = self.first_row.setdefault(row.vin, row.number)
        if first != row.number:
            self.context.error(row.number, "vin", row.vin, _("Also in row %(row)s of the file.") % {"row": first})
            return False
        return True

    def _dates(self, row: Row) -> bool:
        if row.arrived_on is not None and row.arrived_on > timezone.localdate(self.context.now):
            self.context.error(row.number, "arrived_on", row.arrived_on.isoformat(), _("This date is in the future."))
            return False
        if row.arrived_on and row.financed_from and row.arrived_on < row.financed_from:
            self.context.error(row.number, "arrived_on", row.arrived_on.isoformat(),
                               _("A vehicle cannot arrive before it was invoiced."))
            return False
        return True

    def insert(self, records: list[Model]) -> None:
        Vehicle.objects.bulk_create(records, batch_size=BATCH)  # type: ignore[arg-type]


def status_of(row: Row) -> str:
    if row.demo:
        return Vehicle.Status.DEMO
    return Vehicle.Status.IN_TRANSIT if row.arrived_on is None else Vehicle.Status.IN_STOCK
