"""Orders and payments from a file (a DMS's order and receipt lists).

An order is named by the store and its number in the source system (``Order.number``): an order the store has with
that number is left as it is. It names its customer by mobile (made when the store has none), its consultant and a
partner credited with a share (the credits, ``OrderCredit``, as the desk splits a shared deal), the trim, the
prices and the status it has: confirmed, or cancelled (with when and why: its cancellation recorded as the desk
records it; deliveries are imported as deliveries, which deliver the order). It
belongs to the customer's A-card opened last before the order, unless that card has an open order already.

A payment is named by the order, kind, amount and time: one the order has is left as it is."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from dealerkpi.catalog.models import Trim
from dealerkpi.crm.models import Lead
from dealerkpi.sales.models import FULL_SHARE, Order, OrderCredit, Payment, Reversal

from .columns import ORDER_COLUMNS, PAYMENT_COLUMNS
from .engine import chunks, not_in_future
from .leads import Customers
from .records import People, RecordImport, Values

IMPORTED_STATUSES = (Order.Status.CONFIRMED, Order.Status.CANCELLED)
CLOSED = (Order.Status.CANCELLED, Order.Status.UNWOUND)


def order_ids(store_ids: list[int], numbers: set[str]) -> dict[tuple[str, str], int]:
    """(store code, order number) -> order id, for the stores' orders of those numbers."""
    found: dict[tuple[str, str], int] = {}
    for chunk in chunks(numbers):
        found.update(((code, number), pk) for code, number, pk in Order.objects.filter(
            store_id__in=store_ids, number__in=chunk).values_list("store__code", "number", "pk"))
    return found


class OrderImport(RecordImport):
    columns = ORDER_COLUMNS

    def resolve(self, rows: list[Values]) -> None:
        self.people = People({row[key] for row in rows for key in ("consultant", "partner") if row[key]})
        self.customers = Customers(self, rows)
        self.trims = dict(Trim.objects.filter(code__in=sorted({row["trim"] for row in rows})).values_list("code",
                                                                                                        "pk"))
        self.cards: dict[tuple[int, str], list[tuple[datetime.datetime, int]]] = defaultdict(list)
        self.taken: set[int] = set()  # cards with an open order
        stores = sorted(self.stores.values())
        for chunk in chunks({row["mobile"] for row in rows}):
            cards = Lead.objects.filter(store_id__in=stores, customer__phone__in=chunk).order_by("created_at")
            for store_id, phone, opened, pk in cards.values_list("store_id", "customer__phone", "created_at", "pk"):
                self.cards[(store_id, phone)].append((opened, pk))
        card_ids = {pk for cards in self.cards.values() for _opened, pk in cards}
        for chunk in chunks(card_ids):
            self.taken.update(Order.objects.filter(lead_id__in=chunk).exclude(status__in=CLOSED)
                              .values_list("lead_id", flat=True))

    def key(self, values: Values) -> Hashable | None:
        return values["store"], values["order_no"]

    def existing(self, keys: set[Any]) -> set[Any]:
        return set(order_ids(sorted(self.stores.values()), {key[1] for key in keys}))

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        if store_id is None:
            return False
        credits = self._credits(number, values, store_id)
        trim_id = self.trims.get(values["trim"])
        if trim_id is None:
            self.error(number, "trim", values["trim"], _("There is no trim with this code in the catalogue."))
        status = values["status"] or Order.Status.CONFIRMED
        if status not in IMPORTED_STATUSES:
            self.error(number, "status", status, _("An order is imported confirmed or cancelled; a delivered one is "
                                                   "imported confirmed, then its delivery."))
        priced = self._prices(number, values)
        in_time = not_in_future(number, "ordered_at", values["ordered_at"], self.context) and self._cancelled(
            number, values, status)
        if credits is None or trim_id is None or status not in IMPORTED_STATUSES or not (priced and in_time):
            return False
        consultant_id = credits[0][0]
        order = self.make(Order(
            store_id=store_id, lead_id=self._card(store_id, values, status), consultant_id=consultant_id,
            trim_id=trim_id, colour=values["colour"], ordered_at=values["ordered_at"],
            guide_price=values["guide_price"], floor_price=values["floor_price"], price=values["price"],
            gifts_cost=values["gifts_cost"] or Decimal("0"), status=status, number=values["order_no"],
            **self.customers.of(store_id, values, consultant_id, values["ordered_at"])))
        for staff_id, share in credits:
            self.make(OrderCredit(store_id=store_id, order=order, staff_id=staff_id, share=share))
        if status == Order.Status.CANCELLED:
            self.make(Reversal(store_id=store_id, order=order, kind=Reversal.Kind.CANCELLATION,
                               at=values["cancelled_at"], reason=values["cancel_reason"], recorded_by_id=consultant_id))
        return True

    def _cancelled(self, number: int, values: Values, status: str) -> bool:
        """A cancelled order says when and why (its cancellation is recorded as the desk records it)."""
        if status != Order.Status.CANCELLED:
            return True
        for key in ("cancelled_at", "cancel_reason"):
            if not values[key]:
                self.error(number, key, "", _("Fill in this cell for a cancelled order."))
                return False
        if values["cancelled_at"] < values["ordered_at"]:
            self.error(number, "cancelled_at", values["cancelled_at"], _("An order is cancelled after it was placed."))
            return False
        return not_in_future(number, "cancelled_at", values["cancelled_at"], self.context)

    def _credits(self, number: int, values: Values, store_id: int) -> list[tuple[int, Decimal]] | None:
        consultant = self.people.of_store(self, number, "consultant", values, store_id)
        if not values["partner"]:
            if values["partner_share"] is not None:
                self.error(number, "partner", "", _("Name the partner the share is for."))
                return None
            return None if consultant is None else [(consultant, FULL_SHARE)]
        partner = self.people.of_store(self, number, "partner", values, store_id)
        if values["partner_share"] is None:
            self.error(number, "partner_share", "", _("Fill in this cell."))
            return None
        if partner is not None and partner == consultant:
            self.error(number, "partner", values["partner"], _("The partner is the consultant."))
            return None
        if consultant is None or partner is None:
            return None
        return [(consultant, FULL_SHARE - values["partner_share"]), (partner, values["partner_share"])]

    def _prices(self, number: int, values: Values) -> bool:
        if values["floor_price"] > values["guide_price"]:
            self.error(number, "floor_price", values["floor_price"], _("The floor price is above the guide price."))
            return False
        return True

    def _card(self, store_id: int, values: Values, status: str) -> int | None:
        """The customer's A-card opened last before the order, when it has no open order (then it has this one)."""
        opened = [pk for at, pk in self.cards.get((store_id, values["mobile"]), []) if at <= values["ordered_at"]]
        if not opened or opened[-1] in self.taken:
            return None
        if status not in CLOSED:
            self.taken.add(opened[-1])
        return opened[-1]


class PaymentImport(RecordImport):
    columns = PAYMENT_COLUMNS

    def resolve(self, rows: list[Values]) -> None:
        self.orders = order_ids(sorted(self.stores.values()), {row["order_no"] for row in rows})

    def key(self, values: Values) -> Hashable | None:
        return values["store"], values["order_no"], values["kind"], values["amount"], values["paid_at"]

    def existing(self, keys: set[Any]) -> set[Any]:
        found: set[Any] = set()
        for chunk in chunks(set(self.orders.values())):
            found.update(Payment.objects.filter(order_id__in=chunk).values_list(
                "store__code", "order__number", "kind", "amount", "paid_at"))
        return found & keys

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        order_id = self.orders.get((values["store"], values["order_no"]))
        if store_id is not None and order_id is None:
            self.error(number, "order_no", values["order_no"], _("Store %(store)s has no order %(order)s.") % {
                "store": values["store"], "order": values["order_no"]})
        refund = values["kind"] == Payment.Kind.REFUND
        if (values["amount"] < 0) != refund:
            self.error(number, "amount", values["amount"], _("A refund is negative; every other payment is positive."))
            return False
        if store_id is None or order_id is None or not not_in_future(number, "paid_at", values["paid_at"],
                                                                     self.context):
            return False
        self.make(Payment(store_id=store_id, order_id=order_id, kind=values["kind"], amount=values["amount"],
                          paid_at=values["paid_at"]))
        return True
