"""Customers and A-cards, showroom visits and test drives, from a file (a DMS's lead and traffic lists).

An A-card row names its customer by mobile within the store (the customer is made when the store has none with
that mobile) and is named by the store, the mobile and when it was opened: a card the store has is left as it is.
The card is recorded as it stands: its grade (one of the store's, which get the usual ones when they have none, as
at the desk), the status the grade gives (``crm.services.status_of_grade``), the next follow-up date while it is
open and the closing time when it is closed. A visit is named by the store, the consultant and the arrival time,
and belongs to an A-card when the row names one (mobile and opening time)."""

from __future__ import annotations

import datetime
from collections.abc import Hashable
from typing import Any

from django.utils.translation import gettext as _

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.crm.models import Customer, Lead, ShowroomVisit, TestDrive
from dealerkpi.crm.services import GradeBook, status_of_grade
from dealerkpi.stock.models import Vehicle

from .columns import LEAD_COLUMNS, TEST_DRIVE_COLUMNS, VISIT_COLUMNS
from .engine import chunks
from .followups import grade_books
from .records import People, RecordImport, Values


class Customers:
    """The stores' customers by mobile, read for the file's mobiles; new ones made once per store and mobile."""

    def __init__(self, kind: RecordImport, rows: list[Values]) -> None:
        self.kind, self.ids = kind, {}
        self.new: dict[tuple[int, str], Customer] = {}
        store_ids = sorted(kind.stores.values())
        for chunk in chunks({row["mobile"] for row in rows if row.get("mobile")}):
            self.ids.update(((store_id, phone), pk) for pk, store_id, phone in Customer.objects.filter(
                store_id__in=store_ids, phone__in=chunk).values_list("pk", "store_id", "phone"))

    def of(self, store_id: int, values: Values, owner_id: int, at: datetime.datetime) -> dict[str, Any]:
        """The foreign key to the row's customer, made when the store has none with the mobile."""
        key = (store_id, values["mobile"])
        if key in self.ids:
            return {"customer_id": self.ids[key]}
        if key not in self.new:
            self.new[key] = self.kind.make(Customer(store_id=store_id, owner_id=owner_id, name=values["customer"],
                                                    phone=values["mobile"], district=values.get("district") or "",
                                                    created_at=at))
        return {"customer": self.new[key]}


def card_keys(store_ids: list[int], mobiles: set[str]) -> dict[tuple[str, str, datetime.datetime], int]:
    """The stores' A-cards of the mobiles: (store code, mobile, opened at) -> card id."""
    found: dict[tuple[str, str, datetime.datetime], int] = {}
    for chunk in chunks(mobiles):
        cards = Lead.objects.filter(store_id__in=store_ids, customer__phone__in=chunk).values_list(
            "store__code", "customer__phone", "created_at", "pk")
        found.update(((code, phone, at), pk) for code, phone, at, pk in cards)
    return found


class LeadImport(RecordImport):
    columns = LEAD_COLUMNS

    def resolve(self, rows: list[Values]) -> None:
        self.people = People({row["owner"] for row in rows})
        self.customers = Customers(self, rows)
        self.models = dict(VehicleModel.objects.filter(
            code__in=sorted({row["intended_model"] for row in rows if row["intended_model"]})).values_list("code",
                                                                                                          "pk"))
        self.books, graded = grade_books(set(self.stores.values()))
        self.ungraded = set(self.stores.values()) - graded

    def key(self, values: Values) -> Hashable | None:
        return values["store"], values["mobile"], values["opened_at"]

    def existing(self, keys: set[Any]) -> set[Any]:
        return set(card_keys(sorted(self.stores.values()), {key[1] for key in keys})) & keys

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        if store_id is None:
            return False
        owner_id = self.people.of_store(self, number, "owner", values, store_id)
        model_id = self._model(number, values)
        book = self.books[store_id]
        graded = self._grade(number, values, book)
        if owner_id is None or model_id is False or not graded:
            return False
        self._grades(store_id, book)
        grade, opened = values["grade"], values["opened_at"]
        is_open = book.is_open(grade)
        self.make(Lead(store_id=store_id, owner_id=owner_id, source=values["source"], intended_model_id=model_id,
                       grade=grade, status=status_of_grade(grade, book), created_at=opened,
                       next_follow_up_on=values["next_follow_up_on"] if is_open else None,
                       closed_at=None if is_open else values["closed_at"] or opened,
                       **self.customers.of(store_id, values, owner_id, opened)))
        return True

    def _model(self, number: int, values: Values) -> int | None | bool:
        code = values["intended_model"]
        if code and code not in self.models:
            self.error(number, "intended_model", code, _("There is no model with this code in the catalogue."))
            return False
        return self.models.get(code) if code else None

    def _grade(self, number: int, values: Values, book: GradeBook) -> bool:
        codes = [grade.code for grade in book.grades]
        if values["grade"] not in codes:
            self.error(number, "grade", values["grade"], _(
                "“%(text)s” is not one of the store's grades: %(grades)s.") % {"text": values["grade"],
                                                                             "grades": ", ".join(codes)})
            return False
        return True

    def _grades(self, store_id: int, book: GradeBook) -> None:
        """A store without grades of its own gets the usual ones with its first card, as at the desk."""
        if store_id in self.ungraded:
            self.ungraded.discard(store_id)
            for grade in book.grades:
                self.make(grade)


class VisitImport(RecordImport):
    columns = VISIT_COLUMNS

    def resolve(self, rows: list[Values]) -> None:
        self.people = People({row["consultant"] for row in rows})
        self.cards = card_keys(sorted(self.stores.values()), {row["mobile"] for row in rows if row["mobile"]})

    def key(self, values: Values) -> Hashable | None:
        return values["store"], values["consultant"], values["arrived_at"]

    def existing(self, keys: set[Any]) -> set[Any]:
        found: set[Any] = set()
        for chunk in chunks({key[2] for key in keys}):
            found.update(ShowroomVisit.objects.filter(store_id__in=sorted(self.stores.values()), arrived_at__in=chunk)
                         .values_list("store__code", "consultant__employee_no", "arrived_at"))
        return found & keys

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        if store_id is None:
            return False
        consultant_id = self.people.of_store(self, number, "consultant", values, store_id)
        lead_id = self._card(number, values)
        left = values["left_at"]
        if left is not None and left < values["arrived_at"]:
            self.error(number, "left_at", left, _("The party cannot leave before it arrived."))
            return False
        if consultant_id is None or lead_id is False:
            return False
        self.make(ShowroomVisit(
            store_id=store_id, lead_id=lead_id, consultant_id=consultant_id, arrived_at=values["arrived_at"],
            left_at=left, is_first_visit=_yes(values["first_visit"]), party_size=values["party_size"] or 1,
            has_intent=_yes(values["has_intent"]), was_invited=bool(values["was_invited"]),
            test_drive_taken=bool(values["test_drive_taken"])))
        return True

    def _card(self, number: int, values: Values) -> int | None | bool:
        if not values["mobile"] and not values["opened_at"]:
            return None
        card = self.cards.get((values["store"], values["mobile"], values["opened_at"]))
        if card is None:
            self.error(number, "opened_at", values["opened_at"], _(
                "Store %(store)s has no A-card of this mobile opened at this time.") % {"store": values["store"]})
            return False
        return card


class TestDriveImport(RecordImport):
    """A test drive of an A-card (mobile and opening time) in a demo vehicle of the store, as it went: done (the
    licence checked and the agreement signed, as the desk requires), scheduled or cancelled."""

    columns = TEST_DRIVE_COLUMNS

    def resolve(self, rows: list[Values]) -> None:
        self.people = People({row["consultant"] for row in rows})
        self.cards = card_keys(sorted(self.stores.values()), {row["mobile"] for row in rows})
        self.vehicles: dict[str, tuple[int, int, str]] = {}
        for chunk in chunks({row["vin"] for row in rows}):
            self.vehicles.update((vin, (pk, store_id, status)) for vin, pk, store_id, status in Vehicle.objects.filter(
                vin__in=chunk).values_list("vin", "pk", "store_id", "status"))

    def key(self, values: Values) -> Hashable | None:
        return values["store"], values["vin"], values["starts_at"]

    def existing(self, keys: set[Any]) -> set[Any]:
        found: set[Any] = set()
        ids = [pk for pk, _store, _status in self.vehicles.values()]
        for chunk in chunks(ids):
            found.update(TestDrive.objects.filter(vehicle_id__in=chunk).values_list(
                "store__code", "vehicle__vin", "starts_at"))
        return found & keys

    def build(self, number: int, values: Values) -> bool:
        store_id = self.store(number, values)
        if store_id is None:
            return False
        consultant_id = self.people.of_store(self, number, "consultant", values, store_id)
        card = self.cards.get((values["store"], values["mobile"], values["opened_at"]))
        if card is None:
            self.error(number, "opened_at", values["opened_at"], _(
                "Store %(store)s has no A-card of this mobile opened at this time.") % {"store": values["store"]})
        vehicle = self.vehicles.get(values["vin"])
        if vehicle is None or vehicle[1] != store_id or vehicle[2] != Vehicle.Status.DEMO:
            self.error(number, "vin", values["vin"], _("Store %(store)s has no demo vehicle %(vin)s.") % {
                "store": values["store"], "vin": values["vin"]})
        status = values["status"] or TestDrive.Status.DONE
        if not self._slot(number, values, status) or None in (consultant_id, card, vehicle) or vehicle[1] != store_id:
            return False
        done = status == TestDrive.Status.DONE
        self.make(TestDrive(
            store_id=store_id, lead_id=card, consultant_id=consultant_id, vehicle_id=vehicle[0],
            starts_at=values["starts_at"], ends_at=values["ends_at"], status=status,
            licence_checked=bool(values["licence_checked"]), agreement_signed=bool(values["agreement_signed"]),
            started_at=values["starts_at"] if done else None, ended_at=values["ends_at"] if done else None,
            feedback=values["feedback"] or ""))
        return True

    def _slot(self, number: int, values: Values, status: str) -> bool:
        if values["ends_at"] <= values["starts_at"]:
            self.error(number, "ends_at", values["ends_at"], _("The slot must end after it starts."))
            return False
        if status == TestDrive.Status.IN_PROGRESS:
            self.error(number, "status", status, _("A test drive is imported done, scheduled or cancelled."))
            return False
        if status == TestDrive.Status.DONE and not (values["licence_checked"] and values["agreement_signed"]):
            self.error(number, "licence_checked", "", _("A test drive done had the licence checked and the "
                                                        "agreement signed: write 1 in both."))
            return False
        return True


def _yes(flag: bool | None) -> bool:
    """An optional flag that is true when left empty."""
    return flag is None or flag
