"""Deliveries from a file, with the consequences the desk gives a delivery (sales.services.complete_delivery):
the order is delivered (its vehicle allocated if it had none, as scheduling does), the vehicle is delivered,
the A-card closes as delivered (grade D) at the delivery time, and the C-card calls are created on the
store's days after the delivery, for the order's consultant. A delivery the desk had scheduled is completed
rather than duplicated.

As at the desk, only a confirmed order can be delivered, every checklist item must be done, and a vehicle
allocated here must be free, of the order's trim, at the store (or at the dealer the order is sold via), and
not below the order's net price without the general manager's approval. The money check is left out: a
delivery in the file has happened, and its payments may live in another system (docs/imports.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Model, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.crm.models import Decision, Lead
from dealerkpi.crm.services import DELIVERED
from dealerkpi.sales.models import (
    DEFAULT_C_CARD_DAYS,
    Delivery,
    DeliveryFollowUp,
    Order,
    OrderApproval,
    StoreDeskSettings,
)
from dealerkpi.sales.services import CHECKLIST
from dealerkpi.stock.models import Vehicle

from .columns import DELIVERY_COLUMNS
from .engine import BATCH, Context, Writer, check_store, chunks, not_in_future, store_ids, typed_rows
from .reading import Table
from .records import Links
from .values import local_day

UPDATED = ("vehicle_id", "scheduled_for", "delivered_at", *CHECKLIST)  # a delivery scheduled at the desk, completed
CARD_MOVED = ("status", "grade", "closed_at")  # what a delivery moves on the order's A-card


@dataclass(slots=True)
class Row:
    number: int
    bad: bool
    store: str | None
    order: int | None
    order_no: str | None
    vin: str | None
    scheduled_for: datetime.datetime | None
    delivered_at: datetime.datetime | None
    checks: dict[str, bool | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OrderInfo:
    pk: int
    store_id: int
    status: str
    ordered_at: datetime.datetime
    vehicle_id: int | None
    lead_id: int | None
    consultant_id: int
    trim_id: int
    sold_via_id: int | None
    net_price: Decimal


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    pk: int
    store_id: int
    status: str
    trim_id: int
    dealer_id: int | None
    cost: Decimal


@dataclass(frozen=True, slots=True)
class Scheduled:
    pk: int
    scheduled_for: datetime.datetime | None
    delivered_at: datetime.datetime | None
    was: tuple  # UPDATED as read, put back when the import is undone


class DeliveryImport:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.rows: list[Row] = []
        self.stores: dict[str, int] = {}
        self.orders: dict[int, OrderInfo] = {}
        self.scheduled: dict[int, Scheduled] = {}  # by order
        self.vehicles: dict[str, VehicleInfo] = {}
        self.holders: dict[int, int] = {}  # vehicle -> the order holding it
        self.approved_below_cost: set[int] = set()
        self.days: dict[int, list[int]] = {}
        self.first_row: dict[tuple[str, object], int] = {}  # ("order", 45) -> the row that had it first
        self.cards: dict[int, tuple] = {}  # the orders' A-cards: CARD_MOVED as read
        self.cards_listed: set[int] = set()  # the A-cards listed with the batch already
        self.vehicle_was: dict[int, str] = {}  # the file's vehicles' status as read
        self.writer = Writer(context, self.insert)
        self.links = Links(context)

    def run(self, table: Table) -> None:
        for number, values, bad in typed_rows(table, DELIVERY_COLUMNS, self.context):
            checks = {name: values.pop(name) for name in CHECKLIST}
            self.rows.append(Row(number, bad, checks=checks, **values))
        if not {"order", "order_no"} & self.context.header.positions.keys():
            self.context.report.file_error(_("The file needs the column order or order_no (订单号)."))
            return
        self.resolve()
        for done, row in enumerate(self.rows, start=1):
            self.writer.add(self.check(row))
            if done % 1000 == 0:
                self.context.tick("check", done)
        self.writer.flush()

    # --- references ---------------------------------------------------------------------------------------

    def resolve(self) -> None:
        self.stores = store_ids({r.store for r in self.rows if r.store}, self.context)
        self._numbered()
        self._orders({r.order for r in self.rows if r.order})
        self._vehicles({r.vin for r in self.rows if r.vin})
        self.days = {store_id: c_card_days_of(settings)
                     for store_id, settings in _desk_settings(set(self.stores.values())).items()}

    def _numbered(self) -> None:
        """Rows naming the order by its number in the source system get its id (one query per chunk)."""
        numbered = [row for row in self.rows if row.order_no and row.store in self.stores]
        found: dict[tuple[int, str], int] = {}
        for chunk in chunks({row.order_no for row in numbered}):
            found.update(((store_id, number), pk) for store_id, number, pk in Order.objects.filter(
                store_id__in=sorted(self.stores.values()), number__in=chunk).values_list("store_id", "number", "pk"))
        for row in numbered:
            row.order = row.order or found.get((self.stores[row.store], row.order_no))  # type: ignore[index]
            if row.order is None:
                self.context.error(row.number, "order_no", row.order_no, _(
                    "Store %(store)s has no order %(order)s.") % {"store": row.store, "order": row.order_no})
                row.bad = True

    def _orders(self, ids: set[int]) -> None:
        fields = ("pk", "store_id", "status", "ordered_at", "vehicle_id", "lead_id", "consultant_id", "trim_id",
                  "sold_via_id", "price", "gifts_cost")
        for chunk in chunks(ids):
            for *head, price, gifts in self.context.locked(Order.objects.filter(pk__in=chunk)).values_list(*fields):
                self.orders[head[0]] = OrderInfo(*head, price - gifts)
        for chunk in chunks(self.orders):
            deliveries = Delivery.objects.filter(order_id__in=chunk).values_list("order_id", "pk", *UPDATED)
            self.scheduled.update((order_id, Scheduled(pk, was[1], was[2], tuple(was)))
                                  for order_id, pk, *was in deliveries)
            approved = OrderApproval.objects.filter(order_id__in=chunk, kind=OrderApproval.Kind.BELOW_COST,
                                                    status=Decision.APPROVED).values_list("order_id", flat=True)
            self.approved_below_cost.update(approved)
        for chunk in chunks({order.lead_id for order in self.orders.values() if order.lead_id}):
            self.cards.update((pk, tuple(was)) for pk, *was in Lead.objects.filter(pk__in=chunk).values_list(
                "pk", *CARD_MOVED))

    def _vehicles(self, vins: set[str]) -> None:
        fields = ("vin", "pk", "store_id", "status", "trim_id", "secondary_dealer_id", "cost")
        for chunk in chunks(vins):
            for vin, *rest in self.context.locked(Vehicle.objects.filter(vin__in=chunk)).values_list(*fields):
                self.vehicles[vin] = VehicleInfo(*rest)
        self.vehicle_was = {vehicle.pk: vehicle.status for vehicle in self.vehicles.values()}
        for chunk in chunks(self.vehicle_was):
            self.holders.update(Order.objects.filter(vehicle_id__in=chunk).values_list("vehicle_id", "pk"))

    # --- one row ------------------------------------------------------------------------------------------

    def check(self, row: Row) -> Model | None:
        store_id = check_store(row.number, row.store, self.stores, self.context)
        order = self._order(row, store_id)
        vehicle = self._vehicle(row, store_id, order)
        checked = self._checklist(row)
        in_time = not_in_future(row.number, "delivered_at", row.delivered_at, self.context)
        once = self._once(row, "order", row.order) & self._once(row, "vin", row.vin)
        if row.bad or order is None or vehicle is None or not (checked and in_time and once):
            return None
        scheduled = self.scheduled.get(order.pk)
        record = Delivery(
            pk=scheduled.pk if scheduled else None, store_id=order.store_id, vehicle_id=vehicle.pk,
            scheduled_for=row.scheduled_for or (scheduled and scheduled.scheduled_for) or row.delivered_at,
            delivered_at=row.delivered_at, **{name: True for name in CHECKLIST},
        )
        record.order = Order(pk=order.pk, ordered_at=order.ordered_at)  # the model's rule, without a query
        return record if self._model_rules(row.number, record) else None

    def _order(self, row: Row, store_id: int | None) -> OrderInfo | None:
        if row.order is None and not row.bad and store_id is not None:
            self.context.error(row.number, "order", "", _("Fill in the order or the order number."))
        if row.order is None or store_id is None:
            return None
        order = self.orders.get(row.order)
        context, number = self.context, row.number
        if order is None or order.store_id != store_id:
            context.error(number, "order", row.order, _("Store %(store)s has no order SO-%(order)s.") % {
                "store": row.store, "order": row.order})
            return None
        scheduled = self.scheduled.get(order.pk)
        if order.status == Order.Status.DELIVERED or (scheduled and scheduled.delivered_at):
            when = scheduled.delivered_at if scheduled and scheduled.delivered_at else None
            context.error(number, "order", row.order, _(
                "Order SO-%(order)s was delivered already (%(when)s): this row was imported before, or the "
                "delivery was recorded at the desk.") % {
                "order": order.pk, "when": f"{timezone.localtime(when):%Y-%m-%d %H:%M}" if when else "-"})
            return None
        if order.status != Order.Status.CONFIRMED:
            context.error(number, "order", row.order, _(
                "Only a confirmed order can be delivered; its price may still await approval.") + " " + _(
                "Order SO-%(order)s: %(status)s.") % {"order": order.pk, "status": Order.Status(order.status).label})
            return None
        return order

    def _vehicle(self, row: Row, store_id: int | None, order: OrderInfo | None) -> VehicleInfo | None:
        if row.vin is None or store_id is None:
            return None
        vehicle = self.vehicles.get(row.vin)
        if vehicle is None or vehicle.store_id != store_id:
            self.context.error(row.number, "vin", row.vin, _("Store %(store)s has no vehicle %(vin)s.") % {
                "store": row.store, "vin": row.vin})
            return None
        if order is None:
            return vehicle
        problem = self._allocated_problem(vehicle, order) if order.vehicle_id else self._free_problem(vehicle, order)
        if problem:
            self.context.error(row.number, "vin", row.vin, problem % {"vin": row.vin, "order": order.pk})
            return None
        return vehicle

    def _allocated_problem(self, vehicle: VehicleInfo, order: OrderInfo) -> str | None:
        if vehicle.pk != order.vehicle_id:
            return _("Order SO-%(order)s has another vehicle allocated; deliver that one, or change the allocation "
                     "at the desk.")
        if vehicle.status == Vehicle.Status.DELIVERED:
            return _("Vehicle %(vin)s has been delivered already.")
        return None

    def _free_problem(self, vehicle: VehicleInfo, order: OrderInfo) -> str | None:
        """What the desk checks when it allocates a vehicle to an order (sales.services.allocatable_vehicles)."""
        holder = self.holders.get(vehicle.pk)
        if holder is not None and holder != order.pk:
            return _("Vehicle %(vin)s is allocated to another order.")
        if vehicle.status != Vehicle.Status.IN_STOCK:
            return _("Vehicle %(vin)s is not in stock, so it cannot be allocated to order SO-%(order)s.")
        if vehicle.trim_id != order.trim_id:
            return _("Vehicle %(vin)s is not of the trim order SO-%(order)s was placed for.")
        if vehicle.dealer_id is not None and vehicle.dealer_id != order.sold_via_id:
            return _("Vehicle %(vin)s is at a secondary dealer that order SO-%(order)s is not sold via.")
        if order.net_price < vehicle.cost and order.pk not in self.approved_below_cost:
            return _("Vehicle %(vin)s cost more than order SO-%(order)s's net price: allocate it at the desk, where "
                     "the general manager approves it.")
        return None

    def _checklist(self, row: Row) -> bool:
        done = True
        for name, ticked in row.checks.items():
            if not ticked:
                label = str(Delivery._meta.get_field(name).verbose_name)
                self.context.error(row.number, name, "" if ticked is None else "0", _(
                    "Tick every item of the checklist first; missing: %(items)s.") % {"items": label})
                done = False
        return done

    def _once(self, row: Row, key: str, value: object) -> bool:
        if value is None:
            return True
        first = self.first_row.setdefault((key, value), row.number)
        if first != row.number:
            self.context.error(row.number, key, value, _("Also in row %(row)s of the file.") % {"row": first})
            return False
        return True

    def _model_rules(self, number: int, record: Delivery) -> bool:
        try:
            record.clean()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                for message in messages:
                    self.context.error(number, key, getattr(record, key, ""), message)
            return False
        return True

    # --- writing: the delivery and what the desk does with it -------------------------------------------------

    def insert(self, records: list[Model]) -> None:
        """The deliveries, their C-cards, and the order, vehicle and A-card updates: a few set-based statements
        per batch (the new deliveries' and C-cards' ids are listed with the batch, so they are created with
        bulk_create); what they change is listed with the batch as it was and as they left it."""
        deliveries: list[Delivery] = records  # type: ignore[assignment]
        scheduled = [d for d in deliveries if d.pk is not None]  # scheduled at the desk: completed
        made = Delivery.objects.bulk_create([d for d in deliveries if d.pk is None], batch_size=BATCH)
        self.links.made(Delivery, [delivery.pk for delivery in made])
        Delivery.objects.bulk_update(scheduled, UPDATED, batch_size=500)
        self.links.changed(Delivery, [(d.pk, _fields(UPDATED, self.scheduled[d.order_id].was), _of(d, UPDATED))
                                      for d in scheduled])
        self._c_cards(deliveries)
        orders = [self.orders[d.order_id] for d in deliveries]
        Order.objects.filter(pk__in=[order.pk for order in orders]).update(  # an order has one delivery
            status=Order.Status.DELIVERED,
            vehicle=Subquery(Delivery.objects.filter(order_id=OuterRef("pk")).values("vehicle_id")[:1]))
        self.links.changed(Order, [(o.pk, {"status": o.status, "vehicle_id": o.vehicle_id},
                                    {"status": Order.Status.DELIVERED, "vehicle_id": d.vehicle_id})
                                   for o, d in zip(orders, deliveries, strict=True)])
        Vehicle.objects.filter(pk__in=[d.vehicle_id for d in deliveries]).update(status=Vehicle.Status.DELIVERED)
        self.links.changed(Vehicle, [(d.vehicle_id, {"status": self.vehicle_was[d.vehicle_id]},
                                      {"status": Vehicle.Status.DELIVERED}) for d in deliveries])
        self._cards({order.lead_id for order in orders if order.lead_id})

    def _cards(self, leads: set[int]) -> None:
        """The A-cards delivered, closed at their latest delivery; listed once (as read) with the batch."""
        Lead.objects.filter(pk__in=sorted(leads)).update(
            status=Lead.Status.DELIVERED, grade=DELIVERED,
            closed_at=Subquery(Delivery.objects.filter(order__lead_id=OuterRef("pk"), delivered_at__isnull=False)
                               .order_by("-delivered_at").values("delivered_at")[:1]))
        first = sorted(leads - self.cards_listed)
        self.cards_listed.update(first)
        now = Lead.objects.filter(pk__in=first).values_list("pk", *CARD_MOVED)
        self.links.changed(Lead, [(pk, _fields(CARD_MOVED, self.cards[pk]), _fields(CARD_MOVED, after))
                                  for pk, *after in now])

    def _c_cards(self, deliveries: list[Delivery]) -> None:
        c_cards = []
        for delivery in deliveries:
            order = self.orders[delivery.order_id]
            day = local_day(delivery.delivered_at)
            c_cards.extend(DeliveryFollowUp(store_id=order.store_id, delivery_id=delivery.pk,
                                            staff_id=order.consultant_id, due_on=day + datetime.timedelta(days=days))
                           for days in self.days[order.store_id])
        made = DeliveryFollowUp.objects.bulk_create(c_cards, batch_size=BATCH)
        self.links.made(DeliveryFollowUp, [c_card.pk for c_card in made])


def _fields(names: tuple[str, ...], values: tuple) -> dict[str, object]:
    return dict(zip(names, values, strict=True))


def _of(record: Model, names: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(record, name) for name in names}


def _desk_settings(store_ids: set[int]) -> dict[int, StoreDeskSettings | None]:
    found = {s.store_id: s for s in StoreDeskSettings.objects.filter(store_id__in=sorted(store_ids))}
    return {store_id: found.get(store_id) for store_id in store_ids}


def c_card_days_of(settings: StoreDeskSettings | None) -> list[int]:
    """The store's C-card days, as sales.services.c_card_days reads them (from settings already read)."""
    if settings is None:
        return sorted(int(day) for day in DEFAULT_C_CARD_DAYS.split(","))
    return settings.c_card_day_list()
