"""The kinds that make records (staff and teams, catalogue, targets, customers and A-cards, visits, orders,
payments) on the hand-built world (tests/world.py): each kind's bad rows reported and nothing written, a file
imported again changing nothing, data scope, a saved column mapping on the page and the command, the templates
read back, and query counts that do not grow with the rows. The whole month rebuilt from files is
tests/test_import_rebuild.py."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dealerkpi.catalog.models import Brand, MarginClass, Trim, TrimPrice, VehicleModel
from dealerkpi.core.models import AuditEntry
from dealerkpi.crm import models as crm
from dealerkpi.crm.models import Customer, IntentGrade, Lead, ShowroomVisit
from dealerkpi.imports.columns import COLUMNS
from dealerkpi.imports.leads import LeadImport
from dealerkpi.imports.models import ColumnMapping, ImportBatch, ImportedRecord
from dealerkpi.org.models import RoleAssignment, Staff, Store, Team, TeamMembership
from dealerkpi.org.scope import viewer_for
from dealerkpi.people.models import TrainingRecord
from dealerkpi.sales.models import DeliveryFollowUp, Order, OrderCredit, Payment, Reversal
from dealerkpi.targets.models import Target
from tests.test_imports import ADMIN, csv_file, errors_by_row, run, upload, xlsx_file
from tests.world import World, build_world, make_vin

pytestmark = pytest.mark.django_db
_serial = count(70000)


@pytest.fixture
def world() -> World:
    return build_world()


def rows_of(kind: str, *rows: dict[str, Any]) -> bytes:
    """A CSV file of the kind with the template's English column names; cells not given are empty."""
    header = [column.key for column in COLUMNS[kind]]
    return csv_file(header, [[row.get(name, "") for name in header] for row in rows])


def problems(outcome: Any) -> dict[int | None, str]:
    return {row: " | ".join(messages) for row, messages in errors_by_row(outcome).items()}


def person(**fields: Any) -> dict[str, Any]:
    return {"store": "S1", "employee_no": "N0001", "name": "王芳", "role": "consultant", "hire_date": "2026-09-01",
            "team": "三组", "base_salary": "3500", **fields}


# --- staff and teams -------------------------------------------------------------------------------------------


def test_staff_with_role_and_team_as_the_org_models_date_them(world: World) -> None:
    data = rows_of("staff", person(employee_no="N0000", team="一组"), person(),
                   person(employee_no="N0002", name="李强", role="supervisor", team_leader="1", role_from="2026-09-15"))
    outcome = run("staff", data)
    assert outcome.ok and outcome.report.written == 3
    new = Staff.objects.get(employee_no="N0002")
    assert (new.store.code, new.group.code, new.role, new.base_salary) == ("S1", "G1", "supervisor", Decimal("3500"))
    assert list(RoleAssignment.objects.filter(staff=new).values_list("role", "store__code", "valid_from")) == [
        ("supervisor", "S1", datetime.date(2026, 9, 15))]
    team = Team.objects.get(store__code="S1", name="三组")
    assert set(TeamMembership.objects.filter(team=team).values_list("staff__employee_no", "is_leader")) == {
        ("N0001", False), ("N0002", True)}
    assert ImportedRecord.objects.filter(batch=outcome.batch).count() == 3 + 3 + 1 + 3  # staff, roles, team, members

    again = run("staff", data)
    assert again.ok and (again.report.written, again.report.unchanged) == (0, 3)
    assert Staff.objects.filter(employee_no__startswith="N").count() == 3
    assert Team.objects.filter(name="三组").count() == 1


def test_bad_staff_rows_are_each_reported_and_nothing_written(world: World) -> None:
    known = Staff.objects.count()
    data = rows_of("staff", person(),  # fine, but the file is refused as a whole
                   person(employee_no="N0002", role="head_office"),
                   person(employee_no="N0003", role_from="2026-08-01"),
                   person(employee_no="N0004", store="S9"),
                   person(employee_no="N0001"),
                   person(employee_no="N0005", role="boss", hire_date="yesterday"))
    outcome = run("staff", data)
    found = problems(outcome)
    assert not outcome.ok and Staff.objects.count() == known and not Team.objects.filter(name="三组").exists()
    assert set(found) == {3, 4, 5, 6, 7}
    assert "Head office staff" in found[3] and "before the hire date" in found[4] and "no store S9" in found[5]
    assert "Also in row 2" in found[6] and "role" in found[7] and "hire_date" in found[7]


def test_a_store_manager_imports_staff_into_their_store_only(world: World) -> None:
    m1 = viewer_for(world.users["m1"])
    outcome = run("staff", rows_of("staff", person(store="S2")), viewer=m1)
    assert not outcome.ok and "no store S2" in problems(outcome)[2]
    assert run("staff", rows_of("staff", person()), viewer=m1).ok
    known = run("staff", rows_of("staff", person(store="S2", employee_no=world.staff["c4"].employee_no)), viewer=m1)
    assert not known.ok and "no store S2" in problems(known)[2]  # not "there already": S2 is beyond m1


# --- catalogue -------------------------------------------------------------------------------------------------

PRICE = {"brand": "YH", "model": "YH_S9", "model_name": "S9", "segment": "SUV", "trim": "YH-S9-LUX",
         "trim_name": "2.0T 旗舰版", "margin_class": "high", "price_from": "2026-11-01", "guide_price": "259800",
         "floor_price": "239800", "cost": "232000"}


def test_the_catalogue_makes_models_trims_and_prices_once(world: World) -> None:
    data = rows_of("catalogue", PRICE, {**PRICE, "price_from": "2026-12-01", "floor_price": "235800"},
                   {**PRICE, "trim": "YH-S7-LUX", "model": "YH-S7", "trim_name": "2.0T 豪华版"})
    outcome = run("catalogue", data)
    assert outcome.ok and outcome.report.written == 3
    assert VehicleModel.objects.get(code="YH_S9").trims.get().code == "YH-S9-LUX"
    assert list(TrimPrice.objects.filter(trim__code="YH-S9-LUX").order_by("valid_from").values_list(
        "floor_price", flat=True)) == [Decimal("239800"), Decimal("235800")]
    assert TrimPrice.objects.filter(trim=world.trim).count() == 2
    assert run("catalogue", data).report.unchanged == 3


def test_bad_catalogue_rows_and_who_may_import_it(world: World) -> None:
    outcome = run("catalogue", rows_of("catalogue", {**PRICE, "brand": "XX"}, {**PRICE, "trim": "T2",
                                                                               "floor_price": "300000"},
                                       {**PRICE, "trim": "T3", "model": "bad-code!"},
                                       {**PRICE, "trim": "YH-S7-LUX", "model": "YH_S9"}))
    found = problems(outcome)
    assert not outcome.ok and not Trim.objects.filter(code="YH-S9-LUX").exists()
    assert "no brand" in found[2] and "above the guide price" in found[3] and "letters, digits" in found[4]
    assert "another model" in found[5]
    refused = run("catalogue", rows_of("catalogue", PRICE), viewer=viewer_for(world.users["m1"]))
    assert not refused.ok and "head office imports it" in problems(refused)[None]


# --- targets ---------------------------------------------------------------------------------------------------


def test_targets_at_every_level_audited_and_never_overwritten(world: World) -> None:
    c1 = world.staff["c1"].employee_no
    data = rows_of("targets", {"store": "S1", "month": "2026-10", "metric": "units_delivered", "value": 12},
                   {"store": "S1", "month": "2026年10月", "metric": "units_delivered", "value": 5, "team": "一组"},
                   {"store": "S1", "month": "2026-10", "metric": "units_delivered", "value": 3, "employee_no": c1})
    outcome = run("targets", data)
    assert outcome.ok and outcome.report.written == 3
    assert set(Target.objects.filter(store__code="S1").values_list("team__name", "staff__employee_no", "value")) == {
        (None, None, Decimal("12")), ("一组", None, Decimal("5")), (None, c1, Decimal("3"))}
    assert run("targets", data).report.unchanged == 3
    changed = run("targets", rows_of("targets", {"store": "S1", "month": "2026-10", "metric": "units_delivered",
                                                 "value": 13}))
    assert not changed.ok and "12" in problems(changed)[2] and "targets page" in problems(changed)[2]
    bad = run("targets", rows_of("targets",
                                 {"store": "S1", "month": "2026-13", "metric": "units_delivered", "value": 1},
                                 {"store": "S1", "month": "2026-11", "metric": "no_such_metric", "value": 1},
                                 {"store": "S1", "month": "2026-11", "metric": "units_delivered", "value": 1,
                                  "team": "一组", "employee_no": c1},
                                 {"store": "S1", "month": "2026-11", "metric": "units_delivered", "value": 1,
                                  "employee_no": world.staff["c4"].employee_no},
                                 {"store": "S1", "month": "2026-11", "metric": "units_delivered", "value": "-1"}))
    assert set(problems(bad)) == {2, 3, 4, 5, 6} and Target.objects.count() == 3


def test_targets_keep_the_split_rule_of_the_targets_page(world: World) -> None:
    c1, c2 = world.staff["c1"].employee_no, world.staff["c2"].employee_no
    month = {"store": "S1", "month": "2026-11", "metric": "units_delivered"}
    over = run("targets", rows_of("targets", {**month, "value": 10}, {**month, "value": 6, "employee_no": c1},
                                  {**month, "value": 5, "employee_no": c2}))
    # 6 + 5 = 11 cars shared out of a store target of 10: one over, reported on the split's last row
    assert not over.ok and set(problems(over)) == {4} and "add up to 11" in problems(over)[4]
    assert not Target.objects.filter(month=datetime.date(2026, 11, 1)).exists()
    assert run("targets", rows_of("targets", {**month, "value": 10}, {**month, "value": 6, "employee_no": c1})).ok
    # the store has 10, of which 6 shared: 5 more would make 11, 4 more make exactly 10
    later = run("targets", rows_of("targets", {**month, "value": 5, "employee_no": c2}))
    assert not later.ok and "add up to 11" in problems(later)[2]
    assert run("targets", rows_of("targets", {**month, "value": 4, "employee_no": c2})).ok
    team = run("targets", rows_of("targets", {**month, "value": 50, "team": "一组"}))
    assert team.ok  # a team's target is not a share of the people's split


# --- customers, A-cards and visits -----------------------------------------------------------------------------


def card_row(world: World, **fields: Any) -> dict[str, Any]:
    return {"store": "S1", "mobile": "13700000001", "customer": "赵女士", "owner": world.staff["c1"].employee_no,
            "source": "walk_in", "intended_model": "YH-S7", "grade": "H", "opened_at": "2026-10-05 10:00",
            "next_follow_up_on": "2026-10-12", **fields}


def test_cards_share_their_customer_and_take_the_stores_grades(world: World) -> None:
    data = rows_of("leads", card_row(world), card_row(world, opened_at="2026-10-06 11:00", grade="H"))
    outcome = run("leads", data)
    assert outcome.ok and outcome.report.written == 2
    customer = Customer.objects.get(store__code="S1", phone="13700000001")
    assert customer.leads.count() == 2 and customer.owner == world.staff["c1"]
    assert run("leads", data).report.unchanged == 2
    bad = run("leads", rows_of("leads", card_row(world, grade="A", opened_at="2026-10-07 10:00"),  # S1 has H only
                               card_row(world, owner=world.staff["c4"].employee_no, opened_at="2026-10-08 10:00"),
                               card_row(world, mobile="12345", opened_at="2026-10-09 10:00")))
    found = problems(bad)
    assert "store's grades" in found[2] and "no staff member" in found[3] and "mobile" in found[4]


def test_a_file_is_read_in_parts_and_checked_across_them(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(LeadImport, "part_rows", 2)  # five rows: parts of rows 2-3, 4-5 and 6
    rows = [card_row(world, opened_at=f"2026-10-0{day} 10:00") for day in (1, 2, 3, 4)]
    rows.append(card_row(world, opened_at="2026-10-02 10:00"))  # row 6: row 3's card again, two parts later
    twice = run("leads", rows_of("leads", *rows))
    assert not twice.ok and "Also in row 3" in problems(twice)[6]
    assert not Customer.objects.filter(phone="13700000001").exists()  # parts 1 and 2 were written, rolled back
    outcome = run("leads", rows_of("leads", *rows[:4], card_row(world, opened_at="2026-10-05 10:00")))
    assert outcome.ok and outcome.report.written == 5
    # the customer made in the first part is found by the later ones: one customer, five cards
    assert Customer.objects.filter(phone="13700000001").count() == 1
    assert Lead.objects.filter(customer__phone="13700000001").count() == 5


def test_a_store_without_grades_gets_the_usual_ones_with_its_cards(world: World) -> None:
    IntentGrade.objects.filter(store__code="S2").delete()
    outcome = run("leads", rows_of("leads", card_row(world, store="S2", owner=world.staff["c4"].employee_no,
                                                     grade="F", closed_at="2026-10-09 10:00")))
    assert outcome.ok
    lead = Lead.objects.get(store__code="S2", customer__phone="13700000001")
    assert (lead.status, lead.next_follow_up_on) == (Lead.Status.LOST, None)
    assert set(IntentGrade.objects.filter(store__code="S2").values_list("code", flat=True)) >= {"H", "A", "O", "D", "F"}


def test_visits_belong_to_the_card_the_row_names(world: World) -> None:
    run("leads", rows_of("leads", card_row(world)))
    c1 = world.staff["c1"].employee_no
    visit = {"store": "S1", "mobile": "13700000001", "opened_at": "2026-10-05 10:00", "consultant": c1,
             "arrived_at": "2026-10-05 10:00", "left_at": "2026-10-05 11:30", "first_visit": 1, "party_size": 3}
    outcome = run("visits", rows_of("visits", visit, {**visit, "mobile": "", "opened_at": "",
                                                      "arrived_at": "2026-10-06 15:00", "left_at": "",
                                                      "first_visit": 0, "party_size": ""}))
    assert outcome.ok
    made = ShowroomVisit.objects.filter(store__code="S1", consultant=world.staff["c1"]).order_by("arrived_at")
    assert [(v.lead is not None, v.is_first_visit, v.party_size) for v in made][-2:] == [(True, True, 3),
                                                                                         (False, False, 1)]
    bad = run("visits", rows_of("visits", {**visit, "arrived_at": "2026-10-07 10:00", "opened_at": "2026-10-01 09:00"},
                                {**visit, "arrived_at": "2026-10-08 10:00", "left_at": "2026-10-08 09:00"}))
    assert "no A-card" in problems(bad)[2] and "leave before" in problems(bad)[3]


def test_test_drives_in_demo_vehicles_of_the_card(world: World) -> None:
    run("leads", rows_of("leads", card_row(world)))
    demo, sold = make_vin(next(_serial)), make_vin(next(_serial))
    assert run("vehicles", rows_of("vehicles", {"store": "S1", "vin": demo, "trim": "YH-S7-LUX", "colour": "白",
                                                "cost": "205000", "demo": "1"},
                                   {"store": "S1", "vin": sold, "trim": "YH-S7-LUX", "colour": "白",
                                    "cost": "205000", "arrived_on": "2026-10-01"})).ok
    drive = {"store": "S1", "mobile": "13700000001", "opened_at": "2026-10-05 10:00",
             "consultant": world.staff["c1"].employee_no, "vin": demo, "starts_at": "2026-10-05 11:00",
             "ends_at": "2026-10-05 11:30", "licence_checked": 1, "agreement_signed": 1}
    outcome = run("test_drives", rows_of("test_drives", drive))
    assert outcome.ok
    made = crm.TestDrive.objects.get(vehicle__vin=demo)
    assert (made.status, made.lead.customer.phone, made.started_at is not None) == ("done", "13700000001", True)
    assert run("test_drives", rows_of("test_drives", drive)).report.unchanged == 1
    bad = run("test_drives", rows_of("test_drives", {**drive, "vin": sold, "starts_at": "2026-10-06 11:00"},
                                     {**drive, "starts_at": "2026-10-07 11:00", "ends_at": "2026-10-07 10:00"},
                                     {**drive, "starts_at": "2026-10-08 11:00", "ends_at": "2026-10-08 11:30",
                                      "licence_checked": 0}))
    found = problems(bad)
    assert "no demo vehicle" in found[2] and "end after it starts" in found[3] and "licence" in found[4]


# --- orders and payments ---------------------------------------------------------------------------------------


def order_row(world: World, **fields: Any) -> dict[str, Any]:
    return {"store": "S1", "order_no": "DMS-1", "mobile": "13700000001", "customer": "赵女士",
            "consultant": world.staff["c1"].employee_no, "trim": "YH-S7-LUX", "colour": "白",
            "ordered_at": "2026-10-06 15:00", "guide_price": "229800", "floor_price": "209800", "price": "215800",
            **fields}


def test_orders_with_credits_cancellations_and_payments(world: World) -> None:
    run("leads", rows_of("leads", card_row(world)))
    c2 = world.staff["c2"].employee_no
    data = rows_of("orders", order_row(world, partner=c2, partner_share="40"),
                   order_row(world, order_no="DMS-2", status="cancelled", cancelled_at="2026-10-07 09:00",
                             cancel_reason="客户改买别的车"))
    outcome = run("orders", data)
    assert outcome.ok and outcome.report.written == 2
    first, second = Order.objects.get(number="DMS-1"), Order.objects.get(number="DMS-2")
    assert first.lead == Lead.objects.get(customer__phone="13700000001") and second.lead is None  # the card is taken
    assert set(OrderCredit.objects.filter(order=first).values_list("staff__employee_no", "share")) == {
        (world.staff["c1"].employee_no, Decimal("60")), (c2, Decimal("40"))}
    assert Reversal.objects.get(order=second).kind == Reversal.Kind.CANCELLATION
    assert run("orders", data).report.unchanged == 2

    pay = {"store": "S1", "order_no": "DMS-1", "kind": "deposit", "amount": "5000", "paid_at": "2026-10-06 15:30"}
    assert run("payments", rows_of("payments", pay, {**pay, "kind": "refund", "amount": "-5000"})).ok
    assert run("payments", rows_of("payments", pay)).report.unchanged == 1
    bad = run("payments", rows_of("payments", {**pay, "order_no": "DMS-9"}, {**pay, "kind": "refund"},
                                  {**pay, "amount": "0"}))
    assert set(problems(bad)) == {2, 3, 4} and Payment.objects.filter(order=first).count() == 2


def test_bad_orders_are_each_reported(world: World) -> None:
    outcome = run("orders", rows_of("orders", order_row(world, partner_share="40"),
                                    order_row(world, order_no="DMS-2", status="delivered"),
                                    order_row(world, order_no="DMS-3", status="cancelled"),
                                    order_row(world, order_no="DMS-4", trim="NO-SUCH", floor_price="300000"),
                                    order_row(world, order_no="DMS-5", partner=world.staff["c1"].employee_no,
                                              partner_share="50"),
                                    order_row(world, order_no="DMS-6", ordered_at="2099-01-01 10:00")))
    found = problems(outcome)
    assert set(found) == {2, 3, 4, 5, 6, 7} and not Order.objects.filter(number__startswith="DMS").exists()
    assert "cancelled_at" in found[4] and "trim" in found[5] and "partner is the consultant" in found[6]
    assert "future" in found[7]


def test_order_import_queries_do_not_grow_with_the_rows(world: World) -> None:
    def counted(first: int, n: int) -> int:
        rows = [order_row(world, order_no=f"Q-{first + i}", mobile=f"1370000{first + i:04d}") for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            assert run("orders", rows_of("orders", *rows)).ok
        return len([q for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("INSERT")])

    assert counted(0, 5) == counted(100, 60)


# --- saved column mappings, the page, the command, the templates ------------------------------------------------

DMS_HEADER = ["门店", "合同编号", "客户手机", "客户", "销售顾问工号", "车型配置", "颜色", "签约日期", "指导价",
              "底价", "车价"]


def dms_export(world: World) -> bytes:
    row = order_row(world)
    return xlsx_file(DMS_HEADER, [[row[key] for key in ("store", "order_no", "mobile", "customer", "consultant",
                                                         "trim", "colour", "ordered_at", "guide_price",
                                                         "floor_price", "price")]])


def dms_mapping(world: World) -> ColumnMapping:
    columns = {"合同编号": "order_no", "客户手机": "mobile", "销售顾问工号": "consultant", "车型配置": "trim",
               "签约日期": "ordered_at"}
    return ColumnMapping.objects.create(name="DMS 订单", kind="orders", group=world.stores["S1"].region.group,
                                        columns=columns)


def test_a_saved_mapping_reads_a_dms_export_as_it_is(world: World, client: Any, tmp_path: Any) -> None:
    assert not run("orders", dms_export(world), name="dms.xlsx").ok  # its own names are not ours
    mapping = dms_mapping(world)
    client.force_login(world.users["m1"])
    response = upload(client, "orders", dms_export(world), "dms.xlsx", mapping=str(mapping.pk))
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("pk")
    assert (batch.outcome, batch.mapping, batch.written) == ("imported", mapping, 1)
    assert Order.objects.filter(number="DMS-1", store__code="S1").exists()
    client.cookies["django_language"] = "en"
    shown = client.get(reverse("imports-batch", args=[batch.pk])).content.decode()
    assert "Records made: customers 1, orders 1" in shown, shown

    other = ColumnMapping.objects.create(name="其他", kind="payments", group=mapping.group)
    assert upload(client, "orders", dms_export(world), "dms.xlsx", mapping=str(other.pk)).status_code == 400
    path = tmp_path / "dms.xlsx"
    path.write_bytes(dms_export(world))
    call_command("import", "orders", str(path), "--mapping", "DMS 订单", "--dry-run", stdout=io.StringIO())
    with pytest.raises(CommandError) as wrong:
        call_command("import", "orders", str(path), "--mapping", "nope", stdout=io.StringIO())
    assert wrong.value.returncode == 2


def test_the_page_lists_every_kind_and_undoes_an_import(world: World, client: Any) -> None:
    client.force_login(world.users["m1"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("imports")).content.decode()
    for kind in ImportBatch.Kind.values:
        assert f'data-testid="template-{kind}"' in page
        template = client.get(reverse("imports-template", args=[kind]))
        header = [cell.value for cell in next(load_workbook(io.BytesIO(template.content)).active.iter_rows())]
        assert header == [column.key for column in COLUMNS[kind]]
    outcome = run("staff", rows_of("staff", person()), viewer=viewer_for(world.users["m1"]))
    assert f'data-testid="undo-{outcome.batch.pk}"' in client.get(reverse("imports")).content.decode()
    assert client.post(reverse("imports-undo", args=[outcome.batch.pk])).status_code == 302
    assert not Staff.objects.filter(employee_no="N0001").exists() and not Team.objects.filter(name="三组").exists()
    deleted = AuditEntry.objects.filter(  # a change to who may do what is recorded as "permissions"
        action__in=["delete", "permissions"], after__isnull=True,
        content_type__model__in=["staff", "team", "roleassignment", "teammembership"])
    assert sorted(deleted.values_list("content_type__model", flat=True)) == [
        "roleassignment", "staff", "team", "teammembership"]
    assert deleted.get(content_type__model="staff").before["employee_no"] == "N0001"
    assert client.post(reverse("imports-undo", args=[outcome.batch.pk])).status_code == 404

    blocked = run("leads", rows_of("leads", card_row(world)), viewer=ADMIN)
    run("orders", rows_of("orders", order_row(world)), viewer=ADMIN)
    response = client.post(reverse("imports-undo", args=[blocked.batch.pk]))
    assert response.status_code == 409 and "has order" in response.content.decode()
    assert Lead.objects.filter(customer__phone="13700000001").exists()
    consultant = client_for(world, "c1")
    assert consultant.post(reverse("imports-undo", args=[blocked.batch.pk])).status_code == 403


# --- complaints, C-card calls and training ---------------------------------------------------------------------


def complaint_row(world: World, **fields: Any) -> dict[str, Any]:
    return {"store": "S1", "received_at": "2026-10-06 09:30", "summary": "交车延迟未提前告知", "channel": "oem_hotline",
            "handler": world.staff["m1"].employee_no, **fields}


def test_complaints_as_the_complaints_page_records_them_and_undone(world: World) -> None:
    c1 = world.staff["c1"]
    customer = Customer.objects.filter(store__code="S1").first()
    data = rows_of("complaints", complaint_row(world),
                   complaint_row(world, received_at="2026-10-07 09:30", major="1", mobile=customer.phone,
                                 about=c1.employee_no, status="resolved", resolution="致歉",
                                 resolved_at="2026-10-08 10:00", due_on="2026-10-08"))
    outcome = run("complaints", data)
    assert outcome.ok and outcome.report.written == 2
    plain = crm.Complaint.objects.get(received_at=datetime.datetime(2026, 10, 6, 1, 30, tzinfo=datetime.UTC))
    # not major, received 6 October (Shanghai): due 7 days later, 13 October, as the page's default
    assert (plain.due_on, plain.status, plain.customer_id, plain.handler) == (
        datetime.date(2026, 10, 13), "open", None, world.staff["m1"])
    resolved = crm.Complaint.objects.get(summary="交车延迟未提前告知", is_major=True)
    assert (resolved.customer, resolved.about_staff, resolved.status, resolved.due_on) == (
        customer, c1, "resolved", datetime.date(2026, 10, 8))
    assert AuditEntry.objects.filter(content_type__model="complaint", action="create").count() >= 2
    again = run("complaints", data)
    assert again.ok and (again.report.written, again.report.unchanged) == (0, 2)

    bad = run("complaints", rows_of(
        "complaints", complaint_row(world, summary="a", status="resolved"),
        complaint_row(world, summary="b", mobile="13800000000"),
        complaint_row(world, summary="c", handler=world.staff["c4"].employee_no),
        complaint_row(world, summary="d", due_on="2026-10-05"),
        complaint_row(world, summary="e", resolved_at="2026-10-08 10:00"),
        complaint_row(world, summary="f", channel="letter")))
    found = problems(bad)
    assert set(found) == {2, 3, 4, 5, 6, 7} and crm.Complaint.objects.filter(summary__in="abcdef").count() == 0
    assert "how the complaint was resolved" in found[2] and "No customer" in found[3]
    assert "no staff member" in found[4] and "before the complaint was received" in found[5]
    assert "Only a resolved complaint" in found[6]
    beyond = run("complaints", rows_of("complaints", complaint_row(world, store="S2", summary="g")),
                 viewer=viewer_for(world.users["m1"]))
    assert "no store S2" in problems(beyond)[2]

    client = client_for(world, "m1")
    assert client.post(reverse("imports-undo", args=[outcome.batch.pk])).status_code == 302
    assert not crm.Complaint.objects.filter(summary="交车延迟未提前告知").exists()


def test_training_records_once_with_their_trainer(world: World) -> None:
    c1, c2, c4 = (world.staff[key].employee_no for key in ("c1", "c2", "c4"))
    row = {"store": "S1", "employee_no": c1, "course": "金融产品", "held_on": "2026-10-12", "hours": "3.5",
           "trainer": c2}
    data = rows_of("training", row, {**row, "employee_no": c2, "trainer": "", "passed": "0"})
    outcome = run("training", data)
    assert outcome.ok and outcome.report.written == 2
    assert set(TrainingRecord.objects.filter(course="金融产品").values_list(
        "staff__employee_no", "hours", "passed", "trainer__employee_no")) == {
        (c1, Decimal("3.5"), True, c2), (c2, Decimal("3.5"), False, None)}
    assert run("training", data).report.unchanged == 2
    bad = run("training", rows_of("training", {**row, "held_on": "2026-10-13", "hours": "25"},
                                  {**row, "held_on": "2026-10-14", "hours": "2.25"},
                                  {**row, "held_on": "2026-10-15", "trainer": c1},
                                  {**row, "held_on": "2026-10-16", "employee_no": c4},
                                  {**row, "held_on": "2099-01-01"}))
    found = problems(bad)
    assert set(found) == {2, 3, 4, 5, 6} and TrainingRecord.objects.filter(course="金融产品").count() == 2
    assert "between 0 and 24" in found[2] and "between 0 and 24" in found[3] and "own trainer" in found[4]
    assert "no staff member" in found[5] and "future" in found[6]
    assert client_for(world, "m1").post(reverse("imports-undo", args=[outcome.batch.pk])).status_code == 302
    assert not TrainingRecord.objects.filter(course="金融产品").exists()


def test_c_card_calls_marked_done_once_and_put_back_on_undo(world: World) -> None:
    call = DeliveryFollowUp.objects.get(staff=world.staff["c1"], delivery__order__store__code="S1")
    order = call.delivery.order
    row = {"store": "S1", "order": f"SO-{order.pk}", "due_on": "2026-10-11", "done_at": "2026-10-11 15:00",
           "satisfaction": "4", "note": "满意"}
    outcome = run("c_cards", rows_of("c_cards", row))
    assert outcome.ok and outcome.report.written == 1
    call.refresh_from_db()
    assert (call.done_at, call.satisfaction, call.note) == (
        datetime.datetime(2026, 10, 11, 7, 0, tzinfo=datetime.UTC), 4, "满意")
    assert ImportedRecord.objects.get(batch=outcome.batch).before == {"done_at": None, "satisfaction": None,
                                                                      "note": ""}
    again = run("c_cards", rows_of("c_cards", row))
    assert again.ok and (again.report.written, again.report.unchanged) == (0, 1)

    bad = run("c_cards", rows_of("c_cards", {**row, "done_at": "2026-10-11 16:00"},
                                 {**row, "due_on": "2026-10-12"},
                                 {**row, "order": "SO-999999", "due_on": "2026-10-13"},
                                 {**row, "order": "", "due_on": "2026-10-14"}))
    found = problems(bad)
    assert set(found) == {2, 3, 4, 5}
    assert "done already" in found[2] and "due on: 2026-10-11" in found[3] and "no order" in found[4]
    assert "Fill in the order" in found[5]
    call.done_at = None
    call.save()
    early = run("c_cards", rows_of("c_cards", {**row, "done_at": "2026-10-09 15:00", "satisfaction": "6"}))
    assert "after the delivery" in problems(early)[2] and "1 to 5" in problems(early)[2]
    call.done_at = datetime.datetime(2026, 10, 11, 7, 0, tzinfo=datetime.UTC)
    call.save()

    assert client_for(world, "m1").post(reverse("imports-undo", args=[outcome.batch.pk])).status_code == 302
    call.refresh_from_db()
    assert (call.done_at, call.satisfaction, call.note) == (None, None, "")
    assert Order.objects.filter(pk=order.pk).exists()


def client_for(world: World, key: str) -> Client:
    other = Client()
    other.force_login(world.users[key])
    return other


SAMPLES = Path(__file__).resolve().parent.parent / "examples" / "imports"


def test_the_sample_files_import_in_the_documented_order(world: World) -> None:
    """examples/imports/ holds one file per kind; they import one after the other into a store S0001 with brand XL
    (the generated data's), except the follow-up, which names an A-card by dealerkpi's number."""
    Store.objects.create(region=world.stores["S1"].region, code="S0001", name="样例店", city="苏州")
    Brand.objects.create(code="XL", name="澜")
    MarginClass.objects.create(code="low", name="低毛利", rank=3)
    assert {path.stem for path in SAMPLES.glob("*.csv")} == set(ImportBatch.Kind.values)
    for kind in ("catalogue", "staff", "attendance", "targets", "leads", "visits", "vehicles", "test_drives",
                 "orders", "payments", "deliveries", "surveys", "complaints", "c_cards", "training"):
        outcome = run(kind, (SAMPLES / f"{kind}.csv").read_bytes(), name=f"{kind}.csv")
        assert outcome.ok and outcome.report.written > 0, (kind, problems(outcome))
    assert Order.objects.get(number="DMS-2026-12-0001").status == Order.Status.DELIVERED
    lead = Lead.objects.get(store__code="S0001", customer__phone="19900000101")
    follow_up = (SAMPLES / "follow_ups.csv").read_text(encoding="utf-8").replace("A-1234", f"A-{lead.pk}")
    assert run("follow_ups", follow_up.encode()).ok
