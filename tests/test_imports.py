"""Importing A-card follow-ups and deliveries on the hand-built world (tests/world.py): formats and encodings,
English and Chinese headers, every bad row reported and nothing written, data scope, duplicates, the desk's
consequences (cards moved, deliveries completed with their C-cards), the KPI figures, the page's scope matrix,
the command's exit codes and query counts that do not grow with the rows."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from dealerkpi import metrics
from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.crm import services as crm
from dealerkpi.crm.models import Customer, FollowUp, Lead
from dealerkpi.imports import undo
from dealerkpi.imports.models import ImportBatch, ImportedRecord
from dealerkpi.imports.service import Options, Outcome, import_file
from dealerkpi.imports.tasks import import_upload
from dealerkpi.org.models import Role, User
from dealerkpi.org.scope import viewer_for
from dealerkpi.plans.engine import Period
from dealerkpi.sales import services as sales
from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order, OrderApproval, StoreDeskSettings
from dealerkpi.stock.models import Vehicle
from tests.world import World, build_world, make_vin

pytestmark = pytest.mark.django_db

FOLLOW_UP_HEADER = ["store", "lead", "staff", "at", "channel", "outcome", "grade_after", "due_on", "next_due_on",
                    "note"]
CHINESE_FOLLOW_UP_HEADER = ["门店", "A卡", "顾问工号", "时间", "方式", "结果", "级别", "应跟进日期", "下次跟进日期",
                            "备注"]
DELIVERY_HEADER = ["store", "order", "vin", "scheduled_for", "delivered_at", *sales.CHECKLIST]
ADMIN = Viewer(Reach.EVERYTHING)
OCTOBER = Period(2026, 10)
_serial = count(80000)


@pytest.fixture
def world() -> World:
    world = build_world()
    for code in ("S1", "S2", "S3"):
        crm.create_default_grades(world.stores[code])
    return world


def local(text: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def csv_file(header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(kind: str, data: bytes, name: str = "file.csv", viewer: Viewer = ADMIN, **options: Any) -> Outcome:
    with translation.override("en"):
        return import_file(kind, io.BytesIO(data), name, viewer, Options(**options))


def card(world: World, owner: str) -> Lead:
    """The consultant's open A-card of the world: grade H, opened 1 October, due 8 October."""
    return Lead.objects.get(owner=world.staff[owner], status=Lead.Status.OPEN)


def new_card(world: World, owner: str, grade: str = "H") -> Lead:
    staff = world.staff[owner]
    serial = next(_serial)
    customer = Customer.objects.create(store=staff.store, owner=staff, name=f"客户{serial}", phone=f"136{serial:08d}",
                                       created_at=local("2026-10-01 09:00"))
    return Lead.objects.create(store=staff.store, customer=customer, owner=staff, source="walk_in", grade=grade,
                               intended_model=world.trim.vehicle_model, created_at=local("2026-10-01 09:00"),
                               next_follow_up_on=datetime.date(2026, 10, 8))


def contact(world: World, lead: Lead, owner: str, at: str, **fields: str) -> list[Any]:
    row = {"store": lead.store.code, "lead": lead.pk, "staff": world.staff[owner].employee_no, "at": at,
           "channel": "phone", "outcome": "reached", "grade_after": "A", "due_on": "",
           "next_due_on": "2026-10-20", "note": "周末来店", **fields}
    return [row[name] for name in FOLLOW_UP_HEADER]


def errors_by_row(outcome: Outcome) -> dict[int | None, list[str]]:
    found: dict[int | None, list[str]] = {}
    for error in outcome.report.errors:
        found.setdefault(error.row, []).append(f"{error.column}: {error.message}")
    return found


# --- follow-ups: formats ---------------------------------------------------------------------------------------

def test_a_good_csv_moves_the_cards_like_the_desk(world: World) -> None:
    imported, by_desk = card(world, "c1"), new_card(world, "c1")
    before = FollowUp.objects.count()
    outcome = run("follow_ups", csv_file(FOLLOW_UP_HEADER, [contact(world, imported, "c1", "2026-10-08 15:30")]))
    assert outcome.ok, outcome.report.errors
    assert (outcome.report.written, outcome.batch.outcome) == (1, ImportBatch.Outcome.IMPORTED)
    assert FollowUp.objects.count() == before + 1
    crm.log_follow_up(by_desk, world.staff["c1"], crm.Contact("phone", "reached", "A", datetime.date(2026, 10, 20),
                                                             "周末来店"),
                      crm.GradeBook.of_store(by_desk.store_id), local("2026-10-08 15:30"))
    fields = ("store_id", "staff_id", "at", "channel", "outcome", "grade_after", "due_on", "next_due_on", "note")
    mine, desk = (FollowUp.objects.filter(lead=lead).order_by("-at").values(*fields)[0] for lead in (imported, by_desk))
    assert mine == desk
    assert mine["due_on"] == datetime.date(2026, 10, 8)  # the card's due date, as the desk fills it
    lead_fields = ("grade", "status", "last_follow_up_at", "next_follow_up_on", "closed_at")
    assert Lead.objects.values(*lead_fields).get(pk=imported.pk) == Lead.objects.values(*lead_fields).get(
        pk=by_desk.pk)


def test_an_ordered_outcome_closes_the_card_like_the_desk(world: World) -> None:
    imported, by_desk = new_card(world, "c2"), new_card(world, "c2")
    row = contact(world, imported, "c2", "2026-10-09 11:00", outcome="ordered", grade_after="", next_due_on="")
    assert run("follow_ups", csv_file(FOLLOW_UP_HEADER, [row])).ok
    crm.log_follow_up(by_desk, world.staff["c2"], crm.Contact("phone", "ordered", "A", None, "周末来店"),
                      crm.GradeBook.of_store(by_desk.store_id), local("2026-10-09 11:00"))
    fields = ("grade", "status", "last_follow_up_at", "next_follow_up_on", "closed_at")
    assert Lead.objects.values(*fields).get(pk=imported.pk) == Lead.objects.values(*fields).get(pk=by_desk.pk)
    assert Lead.objects.get(pk=imported.pk).status == Lead.Status.ORDERED
    assert FollowUp.objects.get(lead=imported).grade_after == "O"


def test_an_xlsx_with_chinese_headers_labels_and_excel_times(world: World) -> None:
    lead = card(world, "c3")
    at = datetime.datetime(2026, 10, 8, 14, 29, 59, 999_998)  # how Excel hands back 14:30
    rows = [["S1", f"A-{lead.pk}", world.staff["c3"].employee_no, at, "微信", "已联系，仍在考虑", "B", None,
             datetime.datetime(2026, 10, 30), "  加微信  发了报价  "]]
    outcome = run("follow_ups", xlsx_file(CHINESE_FOLLOW_UP_HEADER, rows), "跟进.xlsx")
    assert outcome.ok, outcome.report.errors
    made = FollowUp.objects.get(lead=lead, channel="wechat")
    assert (made.at, made.outcome, made.grade_after, made.next_due_on, made.note) == (
        local("2026-10-08 14:30"), "reached", "B", datetime.date(2026, 10, 30), "加微信 发了报价")


def test_a_gbk_csv_from_chinese_excel(world: World) -> None:
    lead = card(world, "c2")
    row = ["S1", lead.pk, world.staff["c2"].employee_no, "2026/10/8 9:05", "电话", "未接通", "H", "2026/10/8",
           "2026/10/10", "客户没接"]
    data = csv_file(CHINESE_FOLLOW_UP_HEADER, [row], "gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    outcome = run("follow_ups", data)
    assert outcome.ok, outcome.report.errors
    made = FollowUp.objects.get(lead=lead, outcome="no_answer")
    assert (made.at, made.note) == (local("2026-10-08 09:05"), "客户没接")
    assert made.next_due_on == datetime.date(2026, 10, 10)


def test_a_utf8_csv_with_bom_and_semicolons(world: World) -> None:
    lead = card(world, "c1")
    text = ";".join(FOLLOW_UP_HEADER) + "\r\n" + ";".join(str(v) for v in contact(world, lead, "c1",
                                                                                 "2026-10-08T10:00:00+08:00"))
    outcome = run("follow_ups", text.encode("utf-8-sig"))
    assert outcome.ok, outcome.report.errors
    assert FollowUp.objects.filter(lead=lead, at=local("2026-10-08 10:00")).exists()


# --- follow-ups: every bad row, nothing written --------------------------------------------------------------

def test_every_bad_row_is_reported_and_nothing_is_written(world: World) -> None:
    c1, c4 = card(world, "c1"), card(world, "c4")
    rows = [
        contact(world, c1, "c1", "2026-10-05 10:00"),  # row 2: fine
        contact(world, c1, "c1", "05/10/2026"),  # 3: not a date and time
        contact(world, c1, "c1", "2026-10-06 10:00", channel="fax"),  # 4: unknown channel
        contact(world, c4, "c4", "2026-10-06 10:00", store="S1"),  # 5: S2's card under S1
        contact(world, c1, "c1", "2026-10-06 11:00", staff="E99999"),  # 6: unknown employee
        contact(world, c1, "c1", "2026-10-07 10:00", next_due_on="2026-10-01"),  # 7: next before this one
        contact(world, c1, "c1", "2026-10-07 12:00", grade_after="F"),  # 8: lost needs approval
        contact(world, c1, "c1", "2026-10-07 13:00", store="S9"),  # 9: unknown store
        contact(world, c1, "c1", "2031-01-01 10:00"),  # 10: in the future
        contact(world, c1, "c1", "", note="x" * 201),  # 11: empty time, note too long
        contact(world, c1, "c1", "2026-10-05 10:00"),  # 12: the same contact as row 2
    ]
    follow_ups, leads = FollowUp.objects.count(), list(Lead.objects.values_list("pk", "grade", "next_follow_up_on"))
    outcome = run("follow_ups", csv_file(FOLLOW_UP_HEADER, rows))
    found = errors_by_row(outcome)
    assert sorted(row for row in found if row) == list(range(3, 13)), found
    assert "D (at)" in found[3][0] and "is not a date and time" in found[3][0]
    assert "E (channel)" in found[4][0]
    assert "Store S1 has no A-card" in found[5][0]
    assert "Store S1 has no staff member E99999" in found[6][0]
    assert "The next follow-up cannot be before this one." in found[7][0]
    assert "Lost needs an approved lost-sale request" in found[8][0]
    assert "There is no store S9" in found[9][0]
    assert "in the future" in found[10][0]
    assert any("Fill in this cell" in e for e in found[11]) and any("At most 200 characters" in e for e in found[11])
    assert "already has a follow-up" in found[12][0]
    assert outcome.report.error_count == 12 and outcome.report.written == 0  # row 5: card and consultant
    assert FollowUp.objects.count() == follow_ups
    assert list(Lead.objects.values_list("pk", "grade", "next_follow_up_on")) == leads
    batch = outcome.batch
    assert (batch.outcome, batch.rows, batch.error_count, batch.written) == ("rejected", 11, 12, 0)
    sheet = load_workbook(io.BytesIO(bytes(batch.report))).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][-1].startswith("Problems") and table[1][-1] is None
    assert "not a date and time" in table[2][-1] and table[2][3] == "05/10/2026"


def test_the_contact_is_made_by_sales_staff_working_that_day(world: World) -> None:
    lead = card(world, "c1")
    c2 = world.staff["c2"]
    c2.role_history.update(valid_to=datetime.date(2026, 10, 3))  # left the desk on 3 October
    rows = [contact(world, lead, "hr1", "2026-10-05 10:00"), contact(world, lead, "c2", "2026-10-05 11:00"),
            contact(world, lead, "c2", "2026-10-03 11:00", next_due_on="2026-10-06")]
    found = errors_by_row(run("follow_ups", csv_file(FOLLOW_UP_HEADER, rows)))
    assert list(found) == [2, 3], found
    assert "did not work at the sales desk of store S1 on 2026-10-05" in found[2][0]
    assert "c2 did not work at the sales desk" in found[3][0]


def test_the_header_must_fit(world: World) -> None:
    outcome = run("follow_ups", csv_file(["store", "lead", "when", "channel", "lead"], [["S1", "1", "x", "y", "2"]]))
    messages = [(e.row, e.column, e.message) for e in outcome.report.errors]
    assert (1, "C (when)", "Unknown column. Use the column names of the template.") in messages
    assert (1, "E (lead)", "This column appears twice.") in messages
    assert any("“staff” (顾问工号) is missing" in m for _r, _c, m in messages)
    assert run("follow_ups", b"", "empty.csv").report.errors[0].message.startswith("The first row must hold")
    assert "Upload an Excel workbook" in run("follow_ups", b"x", "old.txt").report.errors[0].message
    assert "not a readable Excel" in run("follow_ups", b"not a zip", "broken.xlsx").report.errors[0].message


def test_a_corrected_error_report_can_be_uploaded_again(world: World) -> None:
    lead = card(world, "c1")
    rows = [contact(world, lead, "c1", "2026-10-05 10:00"), contact(world, lead, "c1", "2026-10-06 10:00",
                                                                  channel="fax")]
    report = bytes(run("follow_ups", csv_file(FOLLOW_UP_HEADER, rows)).batch.report)
    book = load_workbook(io.BytesIO(report))
    book.active["E3"] = "sms"
    out = io.BytesIO()
    book.save(out)
    outcome = run("follow_ups", out.getvalue(), "problems.xlsx")
    assert outcome.ok, outcome.report.errors
    assert outcome.report.written == 2


# --- scope and duplicates ---------------------------------------------------------------------------------------

def test_references_of_another_store_are_rejected(world: World) -> None:
    s1, s2 = card(world, "c1"), card(world, "c4")
    manager = viewer_for(world.users["m1"])
    rows = [contact(world, s1, "c1", "2026-10-05 10:00"),
            contact(world, s2, "c4", "2026-10-05 10:00"),  # S2: outside the S1 manager's reach
            contact(world, s1, "c4", "2026-10-05 11:00"),  # S2's consultant on an S1 card
            contact(world, s2, "c1", "2026-10-05 12:00", store="S1")]  # S2's card claimed for S1
    found = errors_by_row(run("follow_ups", csv_file(FOLLOW_UP_HEADER, rows), viewer=manager))
    assert sorted(r for r in found if r) == [3, 4, 5]
    assert "There is no store S2 among the stores you may import into." in found[3][0]
    assert "Store S1 has no staff member" in found[4][0]
    assert "Store S1 has no A-card" in found[5][0]


def test_head_office_imports_into_its_stores_only(world: World) -> None:
    s1, s3 = card(world, "c1"), card(world, "c5")
    rows = [contact(world, s1, "c1", "2026-10-05 10:00"), contact(world, s3, "c5", "2026-10-05 10:00")]
    group = run("follow_ups", csv_file(FOLLOW_UP_HEADER, rows), viewer=viewer_for(world.users["ho_group"]))
    assert group.ok and group.report.written == 2
    assert sorted(group.batch.stores.values_list("code", flat=True)) == ["S1", "S3"]
    rows = [contact(world, s1, "c1", "2026-10-06 10:00"), contact(world, s3, "c5", "2026-10-06 10:00")]
    region = run("follow_ups", csv_file(FOLLOW_UP_HEADER, rows), viewer=viewer_for(world.users["ho_r1"]))
    assert list(errors_by_row(region)) == [3]  # S3 is in region R2
    other_group = run("follow_ups", csv_file(FOLLOW_UP_HEADER, rows[:1]), viewer=viewer_for(world.users["ho_g2"]))
    assert "There is no store S1" in other_group.report.errors[0].message


def test_a_reimported_file_is_refused_as_duplicates(world: World) -> None:
    lead = card(world, "c1")
    rows = [contact(world, lead, "c1", "2026-10-05 10:00"),
            contact(world, lead, "c1", "2026-10-06 10:00", next_due_on="2026-10-25")]
    data = csv_file(FOLLOW_UP_HEADER, rows)
    assert run("follow_ups", data).report.written == 2
    count_after = FollowUp.objects.count()
    again = run("follow_ups", data)
    assert [e.row for e in again.report.errors] == [2, 3]
    assert all("already has a follow-up" in e.message for e in again.report.errors)
    assert FollowUp.objects.count() == count_after


def test_history_does_not_move_the_card_and_a_closed_card_takes_no_new_contact(world: World) -> None:
    lead = new_card(world, "c1")
    Lead.objects.filter(pk=lead.pk).update(last_follow_up_at=local("2026-10-10 10:00"), grade="B",
                                           next_follow_up_on=datetime.date(2026, 11, 9))
    older = contact(world, lead, "c1", "2026-10-04 10:00", grade_after="H", due_on="2026-10-04")
    assert run("follow_ups", csv_file(FOLLOW_UP_HEADER, [older])).ok
    lead.refresh_from_db()
    assert (lead.grade, lead.next_follow_up_on) == ("B", datetime.date(2026, 11, 9))  # history: the card stays
    assert FollowUp.objects.get(lead=lead).due_on == datetime.date(2026, 10, 4)
    rows = [contact(world, lead, "c1", "2026-10-11 10:00", outcome="ordered", grade_after=""),
            contact(world, lead, "c1", "2026-10-12 10:00")]
    found = errors_by_row(run("follow_ups", csv_file(FOLLOW_UP_HEADER, rows)))
    assert list(found) == [3] and "This card is closed" in found[3][0]


def test_a_dry_run_writes_nothing(world: World) -> None:
    lead = card(world, "c1")
    before = FollowUp.objects.count()
    outcome = run("follow_ups", csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00")]),
                  dry_run=True)
    assert outcome.ok and outcome.batch.outcome == ImportBatch.Outcome.CHECKED
    assert FollowUp.objects.count() == before and Lead.objects.get(pk=lead.pk).grade == "H"


def test_a_store_without_grades_gets_the_usual_ones_as_at_the_desk(world: World) -> None:
    s4 = card(world, "c6")
    world.stores["S4"].intent_grades.all().delete()
    outcome = run("follow_ups", csv_file(FOLLOW_UP_HEADER, [contact(world, s4, "c6", "2026-10-05 10:00",
                                                                    grade_after="C")]))
    assert outcome.ok, outcome.report.errors
    assert world.stores["S4"].intent_grades.filter(code="C").exists()


# --- deliveries -------------------------------------------------------------------------------------------------

def in_stock(world: World, store: str = "S1", cost: str = "205000") -> Vehicle:
    return Vehicle.objects.create(store=world.stores[store], vin=make_vin(next(_serial)), trim=world.trim,
                                  colour="白", cost=Decimal(cost), arrived_on=datetime.date(2026, 9, 1),
                                  status=Vehicle.Status.IN_STOCK)


def confirmed_order(world: World, owner: str, schedule: bool = True) -> tuple[Order, Vehicle]:
    """An October order within authority and paid, with a vehicle (allocated and scheduled when ``schedule``)."""
    lead = new_card(world, owner)
    terms = sales.OrderTerms(trim=world.trim, price_line=world.trim.prices.get(), colour="白", price=Decimal("227800"),
                             gifts_cost=Decimal("0"), deposit=Decimal("227800"),
                             credits=(sales.Credit(world.staff[owner], Decimal("100")),))
    order = sales.place_order(lead, terms, world.staff[owner], at=local("2026-10-15 10:00"))
    vehicle = in_stock(world, lead.store.code)
    if schedule:
        sales.schedule_delivery(order, vehicle.pk, local("2026-10-20 10:00"), world.staff[owner],
                                at=local("2026-10-16 10:00"))
    return order, vehicle


def delivery_row(order: Order, vehicle: Vehicle, delivered: str = "2026-10-20 15:00", **fields: Any) -> list[Any]:
    row = {"store": order.store.code, "order": f"SO-{order.pk}", "vin": vehicle.vin, "scheduled_for": "",
           "delivered_at": delivered, **{name: "1" for name in sales.CHECKLIST}, **fields}
    return [row[name] for name in DELIVERY_HEADER]


def delivery_state(order: Order) -> dict[str, Any]:
    order.refresh_from_db()
    delivery = Delivery.objects.get(order=order)
    day = timezone.localdate(delivery.delivered_at)
    return {
        "delivery": Delivery.objects.filter(pk=delivery.pk).values(
            "store_id", "vehicle_id", "scheduled_for", "delivered_at", *sales.CHECKLIST).get(),
        "c_cards": sorted(((c.due_on - day).days, c.staff_id, c.store_id, c.done_at)
                          for c in DeliveryFollowUp.objects.filter(delivery=delivery)),
        "order": (order.status, order.vehicle_id), "vehicle": Vehicle.objects.get(pk=order.vehicle_id).status,
        "lead": Lead.objects.values_list("status", "grade", "closed_at").get(pk=order.lead_id),
    }


def test_an_imported_delivery_has_the_desks_consequences(world: World) -> None:
    StoreDeskSettings.objects.create(store=world.stores["S1"], c_card_days="2,5,30")
    imported, imported_vehicle = confirmed_order(world, "c1")
    by_desk, desk_vehicle = confirmed_order(world, "c1")
    Delivery.objects.filter(order=by_desk).update(**{name: True for name in sales.CHECKLIST})
    outcome = run("deliveries", csv_file(DELIVERY_HEADER, [delivery_row(imported, imported_vehicle)]))
    assert outcome.ok, outcome.report.errors
    sales.complete_delivery(by_desk, at=local("2026-10-20 15:00"))
    mine, desk = delivery_state(imported), delivery_state(by_desk)
    mine["delivery"].pop("vehicle_id"), desk["delivery"].pop("vehicle_id")
    assert mine["order"][1] == imported_vehicle.pk and desk["order"][1] == desk_vehicle.pk
    mine.pop("order"), desk.pop("order")
    assert mine == desk
    assert [days for days, *_ in mine["c_cards"]] == [2, 5, 30]
    assert Delivery.objects.filter(order=imported).count() == 1  # the scheduled delivery was completed


def test_a_delivery_allocates_a_free_vehicle_when_the_order_has_none(world: World) -> None:
    order, vehicle = confirmed_order(world, "c2", schedule=False)
    outcome = run("deliveries", xlsx_file(DELIVERY_HEADER, [delivery_row(order, vehicle)]), "交车.xlsx")
    assert outcome.ok, outcome.report.errors
    state = delivery_state(order)
    assert state["order"] == ("delivered", vehicle.pk) and state["vehicle"] == "delivered"
    assert state["lead"] == ("delivered", "D", local("2026-10-20 15:00"))
    assert state["delivery"]["scheduled_for"] == local("2026-10-20 15:00")
    assert len(state["c_cards"]) == 3


def test_bad_deliveries_are_each_reported(world: World) -> None:
    good, good_vehicle = confirmed_order(world, "c1")
    waiting, waiting_vehicle = confirmed_order(world, "c1")
    Order.objects.filter(pk=waiting.pk).update(status=Order.Status.AWAITING_APPROVAL)
    unticked, unticked_vehicle = confirmed_order(world, "c2")
    free, _vehicle = confirmed_order(world, "c3", schedule=False)
    dear = in_stock(world, cost="240000")
    s2_order, s2_vehicle = confirmed_order(world, "c4")
    third, early = confirmed_order(world, "c3", schedule=False), confirmed_order(world, "c2", schedule=False)
    rows = [
        delivery_row(good, good_vehicle),  # 2: fine
        delivery_row(waiting, waiting_vehicle),  # 3: awaiting approval
        delivery_row(unticked, unticked_vehicle, customer_signed="0", invoice_issued=""),  # 4: two items missing
        delivery_row(free, dear),  # 5: the vehicle costs more than the price
        delivery_row(s2_order, s2_vehicle, store="S1"),  # 6: S2's order under S1
        delivery_row(good, good_vehicle),  # 7: the same order again
        delivery_row(unticked, in_stock(world)),  # 8: another vehicle than the one allocated (and unticked)
        delivery_row(third[0], in_stock(world, "S2")),  # 9: S2's vehicle
        delivery_row(early[0], early[1], "2026-10-01 10:00"),  # 10: before the order
    ]
    outcome = run("deliveries", csv_file(DELIVERY_HEADER, rows))
    found = errors_by_row(outcome)
    assert sorted(r for r in found if r) == list(range(3, 11)), found
    assert "Only a confirmed order can be delivered" in found[3][0]
    assert len(found[4]) == 2 and "missing: customer signed" in " ".join(found[4])
    assert "cost more than order" in found[5][0]
    assert "Store S1 has no order" in found[6][0]
    assert "Also in row 2" in " ".join(found[7])
    assert "has another vehicle allocated" in " ".join(found[8])
    assert "Store S1 has no vehicle" in found[9][0]
    assert "A delivery cannot precede its order." in found[10][0]
    assert not Delivery.objects.filter(order=good, delivered_at__isnull=False).exists()
    assert Order.objects.get(pk=good.pk).status == Order.Status.CONFIRMED


def test_a_reimported_delivery_is_a_duplicate(world: World) -> None:
    order, vehicle = confirmed_order(world, "c1")
    data = csv_file(DELIVERY_HEADER, [delivery_row(order, vehicle)])
    assert run("deliveries", data).ok
    again = run("deliveries", data)
    assert "was delivered already (2026-10-20 15:00)" in again.report.errors[0].message
    assert DeliveryFollowUp.objects.filter(delivery__order=order).count() == 3


def test_approved_below_cost_allows_the_dearer_vehicle(world: World) -> None:
    order, _vehicle = confirmed_order(world, "c1", schedule=False)
    dear = in_stock(world, cost="240000")
    OrderApproval.objects.create(store=order.store, order=order, kind=OrderApproval.Kind.BELOW_COST,
                                 requested_by=world.staff["c1"], requested_at=local("2026-10-15 11:00"),
                                 status="approved")
    assert run("deliveries", csv_file(DELIVERY_HEADER, [delivery_row(order, dear)])).ok


# --- undoing follow-ups and deliveries -------------------------------------------------------------------------


def card_state(lead: Lead) -> tuple:
    return Lead.objects.values_list("status", "grade", "last_follow_up_at", "next_follow_up_on", "closed_at").get(
        pk=lead.pk)


def test_a_follow_up_import_is_undone_with_its_cards_put_back(world: World) -> None:
    lead, other = card(world, "c1"), new_card(world, "c2")
    before, other_before = card_state(lead), card_state(other)
    outcome = run("follow_ups", csv_file(FOLLOW_UP_HEADER, [
        contact(world, lead, "c1", "2026-10-05 10:00"),
        contact(world, lead, "c1", "2026-10-07 10:00", grade_after="B", next_due_on="2026-10-25"),
        contact(world, other, "c2", "2026-10-06 11:00", outcome="ordered", grade_after="")]))
    assert outcome.ok and outcome.report.written == 3
    assert card_state(lead)[1:3] == ("B", local("2026-10-07 10:00")) and card_state(other)[1] == "O"
    # three follow-ups made, two cards changed
    assert ImportedRecord.objects.filter(batch=outcome.batch, before__isnull=True).count() == 3
    assert ImportedRecord.objects.filter(batch=outcome.batch, before__isnull=False).count() == 2
    done = undo.undo(outcome.batch.pk, ADMIN)
    assert done.ok and done.deleted == 3 + 2
    assert card_state(lead) == before and card_state(other) == other_before
    assert not FollowUp.objects.filter(lead__in=[lead, other], at__gte=local("2026-10-05 00:00")).exists()


def test_a_follow_up_import_is_not_undone_over_a_later_desk_contact(world: World) -> None:
    lead = card(world, "c1")
    outcome = run("follow_ups", csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00")]))
    assert outcome.ok
    crm.log_follow_up(lead, world.staff["c1"], crm.Contact("phone", "reached", "H", datetime.date(2026, 10, 12)),
                      crm.GradeBook.of_store(lead.store_id), local("2026-10-09 10:00"))
    with translation.override("en"):
        done = undo.undo(outcome.batch.pk, ADMIN)
    assert not done.ok and any("changed after the import" in text for text in done.blockers)
    assert FollowUp.objects.filter(lead=lead, at=local("2026-10-05 10:00")).exists()


def test_a_delivery_import_is_undone_to_the_scheduled_delivery(world: World) -> None:
    order, vehicle = confirmed_order(world, "c1")  # scheduled at the desk: the import completes that delivery
    free, free_vehicle = confirmed_order(world, "c2", schedule=False)  # no delivery yet: the import makes one
    before = {o.pk: (delivery_state_before(o), Vehicle.objects.get(pk=v.pk).status)
              for o, v in ((order, vehicle), (free, free_vehicle))}
    outcome = run("deliveries", csv_file(DELIVERY_HEADER, [delivery_row(order, vehicle),
                                                           delivery_row(free, free_vehicle)]))
    assert outcome.ok and Order.objects.get(pk=free.pk).status == Order.Status.DELIVERED
    assert DeliveryFollowUp.objects.filter(delivery__order__in=[order, free]).count() == 6
    done = undo.undo(outcome.batch.pk, ADMIN)
    assert done.ok, done.blockers
    for o, v in ((order, vehicle), (free, free_vehicle)):
        assert (delivery_state_before(o), Vehicle.objects.get(pk=v.pk).status) == before[o.pk]
    assert not Delivery.objects.filter(order=free).exists() and not DeliveryFollowUp.objects.filter(
        delivery__order__in=[order, free]).exists()
    again = run("deliveries", csv_file(DELIVERY_HEADER, [delivery_row(order, vehicle)]))
    assert again.ok  # delivered again after the undo, as if it had never been


def delivery_state_before(order: Order) -> tuple:
    order.refresh_from_db()
    scheduled = Delivery.objects.filter(order=order).values_list("vehicle_id", "scheduled_for", "delivered_at",
                                                                 *sales.CHECKLIST).first()
    return (order.status, order.vehicle_id, scheduled,
            Lead.objects.values_list("status", "grade", "closed_at").get(pk=order.lead_id))


def test_a_delivery_import_is_not_undone_once_the_car_was_paid_for_since(world: World) -> None:
    order, vehicle = confirmed_order(world, "c1", schedule=False)
    outcome = run("deliveries", csv_file(DELIVERY_HEADER, [delivery_row(order, vehicle)]))
    delivery = Delivery.objects.get(order=order)
    DeliveryFollowUp.objects.filter(delivery=delivery).update(note="客户满意")  # a C-card the batch made: no blocker
    Vehicle.objects.filter(pk=vehicle.pk).update(status=Vehicle.Status.IN_STOCK)  # changed at the desk since
    with translation.override("en"):
        done = undo.undo(outcome.batch.pk, ADMIN)
    assert not done.ok and any("changed after the import" in text for text in done.blockers)
    assert Delivery.objects.filter(order=order).exists()


# --- the KPI figures count imported records as desk records ---------------------------------------------------

def test_the_kpi_figures_count_imported_deliveries_and_follow_ups(world: World) -> None:
    c3, store = world.staff["c3"], [world.stores["S1"].pk]
    units = metrics.compute(["units_delivered"], store, OCTOBER).value(c3.pk, "units_delivered")
    assert units == Decimal("1")  # the world's October delivery
    order, vehicle = confirmed_order(world, "c3")
    assert run("deliveries", csv_file(DELIVERY_HEADER, [delivery_row(order, vehicle)])).ok
    assert metrics.compute(["units_delivered"], store, OCTOBER).value(c3.pk, "units_delivered") == Decimal("2")
    # Compliance on 10 October: the world's contact on time (due 2 Oct) and its card's 8 October date missed.
    as_of = datetime.date(2026, 10, 10)
    before = metrics.compute(["follow_up_compliance"], store, OCTOBER, as_of=as_of)
    assert before.value(c3.pk, "follow_up_compliance") == Decimal("50")
    row = contact(world, card(world, "c3"), "c3", "2026-10-08 16:00")  # answers the 8 October date, on time
    assert run("follow_ups", csv_file(FOLLOW_UP_HEADER, [row])).ok
    after = metrics.compute(["follow_up_compliance"], store, OCTOBER, as_of=as_of)
    assert after.value(c3.pk, "follow_up_compliance") == Decimal("100")


# --- the page ---------------------------------------------------------------------------------------------------

def log_in(client: Any, world: World, username: str) -> None:
    client.force_login(User.objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def upload(client: Any, kind: str, data: bytes, name: str = "file.csv", **fields: str) -> Any:
    """POST the file; its job runs when the request commits (Huey's immediate mode in tests runs the real task)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("imports"), {"kind": kind, "file": SimpleUploadedFile(name, data), **fields})


def uploaded(client: Any, kind: str, data: bytes, name: str = "file.csv", **fields: str) -> str:
    """The upload's page once its job has run."""
    response = upload(client, kind, data, name, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(("username", "status"), [
    ("m1", 200), ("gm1", 200), ("m2", 200), ("ho_group", 200), ("ho_r1", 200), ("admin", 200),
    ("c1", 403), ("sup1", 403), ("hr1", 403), ("fin1", 403), ("nostaff", 403),
])
def test_who_may_open_the_page(client: Any, world: World, username: str, status: int) -> None:
    log_in(client, world, username)
    assert client.get(reverse("imports")).status_code == status
    assert client.get(reverse("imports-template", args=["deliveries"])).status_code == status
    nav = client.get(reverse("home")).content.decode()
    assert (reverse("imports") in nav) == (status == 200)


def test_a_refusal_says_why_in_the_sites_layout(client: Any, world: World) -> None:
    log_in(client, world, "c1")
    page = client.get(reverse("imports"))
    assert page.status_code == 403
    text = page.content.decode()
    assert "Not allowed" in text and "Imports are for sales managers" in text and 'data-testid="refusal"' in text
    assert 'href="/"' in text, "in the site's layout, with the way back"


def test_consultants_cannot_post_a_file(client: Any, world: World) -> None:
    log_in(client, world, "c1")
    row = contact(world, card(world, "c1"), "c1", "2026-10-05 10:00")
    assert upload(client, "follow_ups", csv_file(FOLLOW_UP_HEADER, [row])).status_code == 403
    assert not ImportBatch.objects.exists()


def test_the_page_imports_and_shows_the_result(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    lead = card(world, "c1")
    page = uploaded(client, "follow_ups", csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00")]))
    assert 'data-testid="import-done"' in page and "1 records imported at" in page
    assert 'data-state="imported"' in page and "hx-get" not in page  # done: nothing to poll
    batch = ImportBatch.objects.get()
    assert (batch.imported_by, batch.actor, batch.via, batch.written) == (world.users["m1"], "m1", "web", 1)
    assert list(batch.stores.all()) == [world.stores["S1"]]
    assert batch.content is None  # the uploaded file is dropped once read
    assert FollowUp.objects.filter(lead=lead, at=local("2026-10-05 10:00")).exists()
    assert reverse("imports-batch", args=[batch.pk]) in client.get(reverse("imports")).content.decode()  # history


def test_the_page_shows_the_errors_and_the_report_is_for_the_uploader(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    lead = card(world, "c1")
    rows = [contact(world, lead, "c1", "2026-10-05 10:00", channel="fax"),
            contact(world, card(world, "c4"), "c4", "2026-10-05 10:00")]
    page = uploaded(client, "follow_ups", csv_file(FOLLOW_UP_HEADER, rows))
    assert 'data-testid="error-table"' in page and "There is no store S2" in page and "fax" in page
    assert "Problems: 2, in 2 of the file's 2 rows." in page
    batch = ImportBatch.objects.get()
    assert batch.outcome == ImportBatch.Outcome.REJECTED and not FollowUp.objects.filter(at__day=5).exists()
    report = client.get(reverse("imports-report", args=[batch.pk]))
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxmlformats")
    log_in(client, world, "gm1")  # same store, not the uploader
    assert client.get(reverse("imports-report", args=[batch.pk])).status_code == 404
    assert "file.csv" in client.get(reverse("imports")).content.decode()  # but the audit shows the attempt
    log_in(client, world, "m2")
    assert "file.csv" not in client.get(reverse("imports")).content.decode()


def test_a_large_upload_is_read_from_its_temporary_file(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    lead = card(world, "c1")
    data = csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00")]) + b",,,,,,,,,\r\n" * 300_000
    assert len(data) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert upload(client, "follow_ups", data).status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.written, batch.file_size) == (1, len(data))


def test_check_only_on_the_page(client: Any, world: World) -> None:
    log_in(client, world, "ho_group")
    row = contact(world, card(world, "c5"), "c5", "2026-10-05 10:00")
    page = uploaded(client, "follow_ups", csv_file(FOLLOW_UP_HEADER, [row]), dry_run="on")
    assert 'data-testid="import-checked"' in page
    assert ImportBatch.objects.get().outcome == "checked" and not FollowUp.objects.filter(at__day=5).exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_by_the_form(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    response = upload(client, "follow_ups", b"%PDF-1.4", "file.pdf")
    assert response.status_code == 400 and 'data-testid="file-errors"' in response.content.decode()
    assert not ImportBatch.objects.exists()


# --- the page: the import is a job ------------------------------------------------------------------------------

def test_the_request_only_queues_the_file(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    lead = card(world, "c1")
    data = csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00")])
    with TestCase.captureOnCommitCallbacks(execute=False) as jobs:
        response = client.post(reverse("imports"), {"kind": "follow_ups", "file": SimpleUploadedFile("f.csv", data)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports-batch", args=[batch.pk])
    assert (batch.outcome, bytes(batch.content), batch.language) == (ImportBatch.Outcome.QUEUED, data, "en")
    assert not FollowUp.objects.filter(lead=lead, at=local("2026-10-05 10:00")).exists()
    poll = client.get(response["Location"], headers={"HX-Request": "true"})
    assert 'data-state="queued"' in poll.content.decode() and "hx-get" in poll.content.decode()
    assert "HX-Refresh" not in poll
    for job in jobs:  # the job (Huey's immediate mode in tests runs the real task)
        job()
    assert FollowUp.objects.filter(lead=lead, at=local("2026-10-05 10:00")).exists()
    poll = client.get(response["Location"], headers={"HX-Request": "true"})
    assert 'data-state="imported"' in poll.content.decode() and poll["HX-Refresh"] == "true"
    import_upload.call_local(batch.pk)  # a job delivered twice does nothing the second time
    assert FollowUp.objects.filter(lead=lead).count() == 1 + 1  # the world's contact and the imported one


def test_a_batch_whose_job_was_lost_is_given_up_and_run_again(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    lead = card(world, "c1")
    data = csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00")])
    with TestCase.captureOnCommitCallbacks(execute=False) as lost:
        client.post(reverse("imports"), {"kind": "follow_ups", "file": SimpleUploadedFile("f.csv", data)})
    batch = ImportBatch.objects.get()
    url = reverse("imports-batch", args=[batch.pk])
    stalled = timezone.now() - datetime.timedelta(minutes=settings.IMPORT_STALLED_MINUTES + 1)
    # Its worker was killed while it read the file (the import's transaction died with it).
    ImportBatch.objects.filter(pk=batch.pk).update(outcome=ImportBatch.Outcome.WORKING, started_at=stalled)
    page = client.get(url).content.decode()
    assert 'data-state="failed"' in page and 'data-testid="import-again"' in page and "hx-get" not in page
    assert "Stopped, nothing written" in client.get(reverse("imports")).content.decode()  # in the history too
    ImportBatch.objects.filter(pk=batch.pk).update(outcome=ImportBatch.Outcome.QUEUED)  # or never started:
    for job in lost:  # the job, delivered after all, leaves the given-up batch alone
        job()
    assert ImportBatch.objects.get().outcome == ImportBatch.Outcome.FAILED
    assert not FollowUp.objects.filter(lead=lead, at=local("2026-10-05 10:00")).exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(url).status_code == 302
    batch.refresh_from_db()
    assert (batch.outcome, batch.written, batch.content) == (ImportBatch.Outcome.IMPORTED, 1, None)
    with TestCase.captureOnCommitCallbacks(execute=True) as again:
        client.post(url)  # done: nothing is run again
    assert not again and ImportBatch.objects.get().outcome == ImportBatch.Outcome.IMPORTED


def test_the_job_imports_as_the_uploader_may_now(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    lead = card(world, "c1")
    data = csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00")])
    with TestCase.captureOnCommitCallbacks(execute=False) as jobs:
        client.post(reverse("imports"), {"kind": "follow_ups", "file": SimpleUploadedFile("f.csv", data)})
    m1 = world.staff["m1"]
    m1.role = Role.CONSULTANT  # demoted before the job ran
    m1.save(update_fields=["role"])
    for job in jobs:
        job()
    batch = ImportBatch.objects.get()
    assert (batch.outcome, batch.problems[0]["message"]) == (
        ImportBatch.Outcome.REJECTED, "Imports are for sales managers, general managers and head office.")
    assert not FollowUp.objects.filter(lead=lead, at=local("2026-10-05 10:00")).exists()


@pytest.mark.parametrize(("username", "status"), [
    ("m1", 200), ("gm1", 404), ("m2", 404), ("ho_group", 404), ("admin", 404), ("c1", 403),
])
def test_an_upload_is_followed_by_its_uploader_only(client: Any, world: World, username: str, status: int) -> None:
    log_in(client, world, "m1")
    lead = card(world, "c1")
    upload(client, "follow_ups", csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00",
                                                                     channel="fax")]))
    batch = ImportBatch.objects.get()
    log_in(client, world, username)
    url = reverse("imports-batch", args=[batch.pk])
    pages = (client.get(url), client.get(url, headers={"HX-Request": "true"}),
             client.get(reverse("imports-report", args=[batch.pk])))
    assert [page.status_code for page in pages] == [status] * 3
    assert client.post(url).status_code == (302 if status == 200 else status)  # run again: nothing to run
    if status == 200:
        assert "fax" in client.get(url).content.decode()


def test_an_upload_beyond_the_uploaders_stores_now_is_hidden(client: Any, world: World) -> None:
    log_in(client, world, "ho_r1")
    rows = [contact(world, card(world, "c1"), "c1", "2026-10-05 10:00", channel="fax")]
    uploaded(client, "follow_ups", csv_file(FOLLOW_UP_HEADER, rows))
    batch = ImportBatch.objects.get()
    assert list(batch.stores.values_list("code", flat=True)) == ["S1"]
    s1 = world.stores["S1"]
    s1.region = world.stores["S3"].region  # the store moves out of the uploader's region
    s1.save(update_fields=["region"])
    assert client.get(reverse("imports-batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("imports-report", args=[batch.pk])).status_code == 404


def test_the_templates_read_back(client: Any, world: World) -> None:
    log_in(client, world, "m1")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    for kind, header in (("follow_ups", CHINESE_FOLLOW_UP_HEADER), ("deliveries", None)):
        response = client.get(reverse("imports-template", args=[kind]))
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        if header:
            assert list(rows[0]) == header
        assert rows[1][0] == "S1"  # the manager's store in the example row
        outcome = run(kind, response.content, "template.xlsx", dry_run=True)
        assert all(error.row == 2 for error in outcome.report.errors)  # the header is understood


# --- the command ------------------------------------------------------------------------------------------------

def test_the_command_imports_checks_and_fails_with_status_1(world: World, tmp_path: Any) -> None:
    lead = card(world, "c1")
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file(FOLLOW_UP_HEADER, [contact(world, lead, "c1", "2026-10-05 10:00")]))
    out = io.StringIO()
    call_command("import", "followups", str(good), "--dry-run", stdout=out)
    assert "checked, nothing written" in out.getvalue() and not FollowUp.objects.filter(at__day=5).exists()
    call_command("import", "followups", str(good), stdout=out)
    assert FollowUp.objects.filter(lead=lead, at=local("2026-10-05 10:00")).exists()
    batch = ImportBatch.objects.order_by("-pk").first()
    assert batch.via == "command" and batch.actor.startswith("command line")
    report = tmp_path / "problems.xlsx"
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import", "followups", str(good), "--language", "en", "--report", str(report), stdout=out)
    assert failed.value.returncode == 1
    assert "already has a follow-up" in out.getvalue() and "1 problem(s) in 1 of 1 rows" in out.getvalue()
    assert report.exists()
    with pytest.raises(CommandError) as missing:
        call_command("import", "deliveries", str(tmp_path / "none.csv"))
    assert missing.value.returncode == 2


# --- query counts -----------------------------------------------------------------------------------------------

def many_cards(world: World, n: int) -> list[Lead]:
    c1 = world.staff["c1"]
    start = next(_serial) * 1000
    opened = local("2026-10-01 09:00")
    customers = Customer.objects.bulk_create(
        Customer(store=c1.store, owner=c1, name="客户", phone=f"135{start + i:08d}", created_at=opened)
        for i in range(n))
    return Lead.objects.bulk_create(
        Lead(store=c1.store, customer=customer, owner=c1, source="phone", grade="H", created_at=opened,
             intended_model=world.trim.vehicle_model, next_follow_up_on=datetime.date(2026, 10, 8))
        for customer in customers)


def many_orders(world: World, n: int) -> list[tuple[Order, Vehicle]]:
    c1 = world.staff["c1"]
    leads = many_cards(world, n)
    vehicles = Vehicle.objects.bulk_create(
        Vehicle(store=c1.store, vin=make_vin(next(_serial)), trim=world.trim, colour="白", cost=Decimal("205000"),
                status=Vehicle.Status.ALLOCATED) for _ in range(n))
    orders = Order.objects.bulk_create(
        Order(store=c1.store, lead=lead, customer_id=lead.customer_id, consultant=c1, trim=world.trim, colour="白",
              vehicle=vehicle, ordered_at=local("2026-10-15 10:00"), guide_price=Decimal("229800"),
              floor_price=Decimal("209800"), price=Decimal("227800"))
        for lead, vehicle in zip(leads, vehicles, strict=True))
    return list(zip(orders, vehicles, strict=True))


def not_inserts(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("INSERT")]


def test_follow_up_import_queries_do_not_grow_with_the_rows(world: World) -> None:
    counts = []
    for n in (10, 100):
        rows = [contact(world, lead, "c1", "2026-10-05 10:00") for lead in many_cards(world, n)]
        data = csv_file(FOLLOW_UP_HEADER, rows)
        with CaptureQueriesContext(connection) as queries:
            assert run("follow_ups", data).report.written == n
        counts.append(len(not_inserts(queries)))
    assert counts[0] == counts[1], counts


def test_delivery_import_queries_do_not_grow_with_the_rows(world: World) -> None:
    counts = []
    for n in (10, 100):
        data = csv_file(DELIVERY_HEADER, [delivery_row(order, vehicle) for order, vehicle in many_orders(world, n)])
        with CaptureQueriesContext(connection) as queries:
            outcome = run("deliveries", data)
            assert outcome.ok and outcome.report.written == n, outcome.report.errors[:3]
        counts.append(len(not_inserts(queries)))
    assert counts[0] == counts[1], counts
