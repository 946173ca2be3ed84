"""Complaints from a file (the OEM hotline's or the store's own complaint log), recorded as the complaints page
records them: a customer of the store by mobile (optional), who it is about (optional) and who handles it, the due
date the page gives when the file leaves it empty (2 days after receipt for a major complaint, 7 for others), and
the status; a resolved complaint says how and when. The store, the time received and the summary name a
complaint: one the store has is left as it is."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.utils.translation import gettext as _

from dealerkpi.crm.complaint_forms import default_due_on
from dealerkpi.crm.models import Complaint, Customer

from .columns import COMPLAINT_COLUMNS
from .engine import chunks, not_in_future
from .records import People, RecordImport, Values
from .values import local_day


class ComplaintImport(RecordImport):
    columns = COMPLAINT_COLUMNS

    def resolve(self, rows: list[Values]) -> None:
        self.people = People({row[key] for row in rows for key in ("about", "handler") if row[key]})
        self.customers: dict[tuple[int, str], int] = {}
        for chunk in chunks({row["mobile"] for row in rows if row["mobile"]}):
            self.customers.update(((store_id, phone), pk) for pk, store_id, phone in Customer.objects.filter(
                store_id__in=sorted(self.stores.values()), phone__in=chunk).values_list("pk", "store_id", "phone"))

    def key(self, values: Values) -> Hashable | None:
        return values["store"], values["received_at"], values["summary"]

    def existing(self, keys: set[Any]) -> set[Any]:
        found: set[Any] = set()
        for chunk in chunks({key[1] for key in keys}):
            found.update(Complaint.objects.filter(store_id__in=sorted(self.stores.values()), received_at__in=chunk)
                         .values_list("store__code", "received_at", "summary"))
        return found & keys

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        if store_id is None:
            return False
        handler_id = self.people.of_store(self, number, "handler", values, store_id)
        about_id = self.people.of_store(self, number, "about", values, store_id) if values["about"] else None
        customer_id = self._customer(number, values, store_id)
        received = values["received_at"]
        due_on = values["due_on"] or default_due_on(local_day(received), bool(values["major"]))
        if due_on < local_day(received):
            self.error(number, "due_on", due_on, _("The due date cannot be before the complaint was received."))
        resolved = self._resolution(number, values)
        fine = not_in_future(number, "received_at", received, self.context) and due_on >= local_day(received)
        if None in (handler_id, resolved) or False in (customer_id, fine) or (values["about"] and about_id is None):
            return False
        self.make(Complaint(store_id=store_id, customer_id=customer_id, about_staff_id=about_id,
                            handler_id=handler_id, channel=values["channel"], is_major=bool(values["major"]),
                            summary=values["summary"], received_at=received, due_on=due_on,
                            status=values["status"] or Complaint.Status.OPEN, resolution=values["resolution"] or "",
                            resolved_at=resolved or None))
        return True

    def _customer(self, number: int, values: Values, store_id: int) -> int | None | bool:
        if not values["mobile"]:
            return None
        customer_id = self.customers.get((store_id, values["mobile"]))
        if customer_id is None:
            self.error(number, "mobile", values["mobile"], _("No customer of this store has this mobile number."))
            return False
        return customer_id

    def _resolution(self, number: int, values: Values) -> Any:
        """When a resolved complaint was resolved; "" for one not resolved; None when the row is wrong."""
        if values["status"] != Complaint.Status.RESOLVED:
            if values["resolved_at"] is not None:
                self.error(number, "resolved_at", values["resolved_at"], _(
                    "Only a resolved complaint has a time it was resolved: set the status to resolved."))
                return None
            return ""
        if not values["resolution"]:
            self.error(number, "resolution", "", _("Say how the complaint was resolved."))
            return None
        resolved = values["resolved_at"]
        if resolved is None:
            self.error(number, "resolved_at", "", _("Fill in when the complaint was resolved."))
            return None
        if resolved < values["received_at"]:
            self.error(number, "resolved_at", resolved, _("A complaint is resolved after it was received."))
            return None
        return resolved if not_in_future(number, "resolved_at", resolved, self.context) else None
