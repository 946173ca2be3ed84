"""C-card calls after delivery from a file (the store's call-back log): a call the delivery made due (the store's
C-card days after the delivery day, ``sales.services.complete_delivery``) recorded as done, when, with the
customer's satisfaction and a note. The row names the order (by dealerkpi's number or the source's, as deliveries
do) and the day the call was due: a call that is not due that day is refused, not made, so the C-card figures
count the store's own schedule. A call done already at the same minute is left as it is; one done at another
time is refused. The import changes the calls (locked while it writes) and keeps what they were, so undoing it
puts them back."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.sales.models import DeliveryFollowUp, Order

from .columns import C_CARD_COLUMNS
from .engine import chunks, not_in_future
from .followups import minute
from .records import RecordImport, Values

CHANGED = ("done_at", "satisfaction", "note")


@dataclass(slots=True)
class Call:
    pk: int
    done_at: datetime.datetime | None
    satisfaction: int | None
    note: str
    delivered_at: datetime.datetime


class CCardImport(RecordImport):
    columns = C_CARD_COLUMNS

    def run(self, table: Any) -> None:
        if not {"order", "order_no"} & self.context.header.positions.keys():
            self.context.report.file_error(_("The file needs the column order or order_no (订单号)."))
            return
        super().run(table)

    def resolve(self, rows: list[Values]) -> None:
        store_ids = sorted(self.stores.values())
        self.orders: dict[tuple[str, Any], int] = {}  # (store code, ("order", id) or ("order_no", number)) -> id
        codes = {pk: code for code, pk in self.stores.items()}
        for chunk in chunks({row["order_no"] for row in rows if row["order_no"] and not row["order"]}):
            for store_id, number, pk in Order.objects.filter(store_id__in=store_ids, number__in=chunk).values_list(
                    "store_id", "number", "pk"):
                self.orders[codes[store_id], ("order_no", number)] = pk
        for chunk in chunks({row["order"] for row in rows if row["order"]}):
            for pk, store_id in Order.objects.filter(store_id__in=store_ids, pk__in=chunk).values_list("pk",
                                                                                                      "store_id"):
                self.orders[codes[store_id], ("order", pk)] = pk
        self.calls: dict[int, dict[datetime.date, Call]] = defaultdict(dict)
        for chunk in chunks(set(self.orders.values())):
            calls = self.context.locked(DeliveryFollowUp.objects.filter(delivery__order_id__in=chunk)).values_list(
                "delivery__order_id", "due_on", "pk", "done_at", "satisfaction", "note", "delivery__delivered_at")
            for order_id, due_on, *rest in calls:
                self.calls[order_id][due_on] = Call(*rest)
        self.asked = {self.key(row): row["done_at"] for row in rows}

    def key(self, values: Values) -> Hashable | None:
        reference = ("order", values["order"]) if values["order"] else ("order_no", values["order_no"])
        return values["store"], reference, values["due_on"]

    def existing(self, keys: set[Any]) -> set[Any]:
        return {key for key in keys if (call := self._call(key)) is not None and call.done_at is not None
                and minute(call.done_at) == minute(self.asked[key])}

    def _call(self, key: Any) -> Call | None:
        order_id = self.orders.get(key[:2])
        return self.calls[order_id].get(key[2]) if order_id is not None else None

    def build(self, number: int, values: Values) -> bool:
        key = self.key(values)
        column, reference = key[1]  # type: ignore[index]
        if reference is None:
            self.error(number, "order", "", _("Fill in the order (45 or SO-45) or the order number (order_no)."))
            return False
        order_id = self.orders.get(key[:2])  # type: ignore[index]
        if order_id is None:
            self.error(number, column, reference, _("Store %(store)s has no order %(order)s.") % {
                "store": values["store"], "order": reference})
            return False
        call = self._call(key)
        if call is None:
            due = ", ".join(f"{day:%Y-%m-%d}" for day in sorted(self.calls[order_id])) or "-"
            self.error(number, "due_on", values["due_on"], _(
                "Order %(order)s has no C-card call due on this day; its calls are due on: %(days)s.") % {
                "order": reference, "days": due})
            return False
        return self._done(number, values, call) and self._record(call, values)

    def _done(self, number: int, values: Values, call: Call) -> bool:
        done_at, satisfaction = values["done_at"], values["satisfaction"]
        fine = not_in_future(number, "done_at", done_at, self.context)
        if call.done_at is not None:
            self.error(number, "done_at", done_at, _("This call was done already, at %(at)s.") % {
                "at": f"{timezone.localtime(call.done_at):%Y-%m-%d %H:%M}"})
            fine = False
        if done_at < call.delivered_at:
            self.error(number, "done_at", done_at, _("A C-card call is made after the delivery (%(at)s).") % {
                "at": f"{timezone.localtime(call.delivered_at):%Y-%m-%d %H:%M}"})
            fine = False
        if satisfaction is not None and not 1 <= satisfaction <= 5:
            self.error(number, "satisfaction", satisfaction, _("Satisfaction is scored from 1 to 5."))
            fine = False
        return fine

    def _record(self, call: Call, values: Values) -> bool:
        self.change(DeliveryFollowUp(pk=call.pk, done_at=values["done_at"], satisfaction=values["satisfaction"],
                                     note=values["note"] or ""), CHANGED,
                    {"done_at": call.done_at, "satisfaction": call.satisfaction, "note": call.note})
        return True
