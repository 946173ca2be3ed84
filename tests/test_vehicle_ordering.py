"""Ordering from the manufacturer (订车), arrivals and the purchase-sales-stock report (进销存) on the hand-built
world: the order's states re-checked under a lock, allocation with VIN, cost and financing start, receipt with VIN
and damage check, the floor-plan interest, the month's flow per model against the records, the pages and who may
see and act on them."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from decimal import Decimal
from itertools import count

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from dealerkpi.catalog.models import Trim
from dealerkpi.core.models import AuditEntry
from dealerkpi.org.scope import viewer_for
from dealerkpi.stock import flow, ordering, suggest
from dealerkpi.stock.models import FloorPlanRate, SecondaryDealer, Transfer, Vehicle, VehicleOrder, VehicleOrderLine
from tests.test_audit import entries_of
from tests.test_desk_sales import log_in
from tests.test_desk_stock import second_model
from tests.test_imports import csv_file, run
from tests.world import World, build_world, delivered_deal, make_vin

pytestmark = pytest.mark.django_db
_serial = count(91000)
MONTH = datetime.date(2026, 11, 1)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The refusals below are matched by their English words."""
    with translation.override("en"):
        yield


def confirmed_order(world: World, quantity: int = 2, confirmed: int = 2) -> tuple[VehicleOrder, VehicleOrderLine]:
    order = ordering.start_order(world.stores["S1"], MONTH)
    ordering.set_line(order, world.trim, "白", quantity)
    ordering.submit(order, datetime.date(2026, 10, 20))
    line = order.lines.get()
    ordering.confirm(order, {line.pk: confirmed}, datetime.date(2026, 10, 25))
    line.refresh_from_db()
    return order, line


def allocated(world: World, cost: str = "200000", financed: datetime.date = datetime.date(2026, 11, 1)) -> Vehicle:
    _order, line = confirmed_order(world)
    return ordering.allocate(line, make_vin(next(_serial)), Decimal(cost), financed)


# --- the order's life ------------------------------------------------------------------------------------------


def test_an_order_is_written_submitted_confirmed_and_allocated(world: World) -> None:
    order, line = confirmed_order(world, quantity=3, confirmed=2)
    order.refresh_from_db()
    assert (order.status, order.submitted_on, order.confirmed_on) == (
        "confirmed", datetime.date(2026, 10, 20), datetime.date(2026, 10, 25))
    assert (line.quantity, line.confirmed) == (3, 2)
    changes = [entry.after for entry in entries_of(line, AuditEntry.Action.UPDATE)]
    assert any(after and after.get("confirmed") == 2 for after in changes)  # the confirmation is audited
    vins = [make_vin(next(_serial)) for _ in range(3)]
    for vin in vins[:2]:
        ordering.allocate(line, vin, Decimal("198000"), datetime.date(2026, 11, 2))
    with pytest.raises(ValidationError, match="Every vehicle confirmed"):
        ordering.allocate(line, vins[2], Decimal("198000"), datetime.date(2026, 11, 2))
    cars = Vehicle.objects.filter(order_line=line)
    assert {(c.status, c.store_id, c.trim_id, c.colour, c.cost, c.arrived_on) for c in cars} == {
        ("in_transit", world.stores["S1"].pk, world.trim.pk, "白", Decimal("198000"), None)}
    assert ordering.allocated_counts(order) == {line.pk: 2}


def test_a_line_of_zero_is_taken_off_and_a_quantity_changed(world: World) -> None:
    order = ordering.start_order(world.stores["S1"], datetime.date(2026, 11, 17))
    assert order.month == MONTH and ordering.start_order(world.stores["S1"], MONTH) == order
    ordering.set_line(order, world.trim, "白", 2)
    ordering.set_line(order, world.trim, "白", 5)
    ordering.set_line(order, world.trim, "黑", 1)
    assert sorted(order.lines.values_list("colour", "quantity")) == [("白", 5), ("黑", 1)]
    ordering.set_line(order, world.trim, "黑", 0)
    assert list(order.lines.values_list("colour", flat=True)) == ["白"]


def test_states_are_checked_again(world: World) -> None:
    order = ordering.start_order(world.stores["S1"], MONTH)
    with pytest.raises(ValidationError, match="at least one line"):
        ordering.submit(order, MONTH)
    ordering.set_line(order, world.trim, "白", 1)
    stale = VehicleOrder.objects.get(pk=order.pk)
    ordering.submit(order, MONTH)
    with pytest.raises(ValidationError, match="submitted already"):
        ordering.submit(stale, MONTH)
    with pytest.raises(ValidationError, match="Only a draft"):
        ordering.set_line(stale, world.trim, "白", 3)
    line = order.lines.get()
    with pytest.raises(ValidationError, match="confirmed order"):
        ordering.allocate(line, make_vin(next(_serial)), Decimal("1"), MONTH)
    with pytest.raises(ValidationError, match="every line"):
        ordering.confirm(order, {}, MONTH)
    ordering.confirm(order, {line.pk: 1}, MONTH)
    with pytest.raises(ValidationError, match="Only a submitted"):
        ordering.confirm(stale, {line.pk: 1}, MONTH)


def test_allocation_checks_the_vin(world: World) -> None:
    _order, line = confirmed_order(world)
    good = make_vin(next(_serial))
    wrong_digit = good[:8] + ("1" if good[8] != "1" else "2") + good[9:]
    with pytest.raises(ValidationError) as bad:
        ordering.allocate(line, wrong_digit, Decimal("200000"), MONTH)
    assert "vin" in bad.value.error_dict
    ordering.allocate(line, good, Decimal("200000"), MONTH)
    with pytest.raises(ValidationError) as twice:
        ordering.allocate(line, good, Decimal("200000"), MONTH)
    assert "vin" in twice.value.error_dict
    assert Vehicle.objects.filter(order_line=line).count() == 1


# --- receiving ---------------------------------------------------------------------------------------------------


def test_receiving_puts_the_vehicle_in_stock_with_its_damage_and_place(world: World) -> None:
    car = allocated(world)
    received = ordering.receive(world.stores["S1"], car.vin, datetime.date(2026, 11, 8), "A-12", "左前门划痕")
    car.refresh_from_db()
    assert received == car
    assert (car.status, car.arrived_on, car.location, car.damage_note) == (
        "in_stock", datetime.date(2026, 11, 8), "A-12", "左前门划痕")
    with pytest.raises(ValidationError, match="received already"):
        ordering.receive(world.stores["S1"], car.vin, datetime.date(2026, 11, 8), "A-12", "")


def test_a_vin_must_match_a_vehicle_on_its_way_to_the_store(world: World) -> None:
    car = allocated(world)
    with pytest.raises(ValidationError, match="on its way to this store"):
        ordering.receive(world.stores["S2"], car.vin, datetime.date(2026, 11, 8), "B-1", "")
    with pytest.raises(ValidationError, match="on its way to this store"):
        ordering.receive(world.stores["S1"], make_vin(next(_serial)), datetime.date(2026, 11, 8), "B-1", "")
    with pytest.raises(ValidationError, match="before it was invoiced"):
        ordering.receive(world.stores["S1"], car.vin, datetime.date(2026, 10, 30), "B-1", "")
    car.refresh_from_db()
    assert car.status == "in_transit"


# --- the floor-plan interest -------------------------------------------------------------------------------------


def test_financing_interest_accrues_by_the_day(world: World) -> None:
    store = world.stores["S1"]
    car = allocated(world, cost="200000", financed=datetime.date(2026, 11, 1))
    second = allocated_second(world, car)
    today = datetime.date(2026, 11, 11)  # 10 days for the first, 5 for the second
    vehicles = Vehicle.objects.all()
    before = ordering.financing(vehicles, store.pk, today)
    assert before.rate is None and before.interest is None
    # the world's S1 car in stock (205000, no financing start) and the two allocated
    assert (before.vehicles, before.value) == (3, Decimal("205000") + Decimal("200000") + Decimal("100000"))
    ordering.set_rate(store, Decimal("3.65"), datetime.date(2026, 1, 1))
    after = ordering.financing(vehicles, store.pk, today)
    # 200000 × 3.65% / 365 = 20.00 a day × 10; 100000 → 10.00 a day × 5
    assert after.interest == Decimal("250.00")
    assert ordering.vehicle_interest(car, today) == Decimal("200.00")
    assert ordering.vehicle_interest(second, today) == Decimal("50.00")


def allocated_second(world: World, first: Vehicle) -> Vehicle:
    return ordering.allocate(first.order_line, make_vin(next(_serial)), Decimal("100000"), datetime.date(2026, 11, 6))


def test_interest_is_rounded_once_on_the_total(world: World) -> None:
    store = world.stores["S1"]
    _order, line = confirmed_order(world, quantity=3, confirmed=3)
    for _ in range(3):  # 0.333... yuan a day each
        ordering.allocate(line, make_vin(next(_serial)), Decimal("1000"), datetime.date(2026, 11, 10))
    ordering.set_rate(store, Decimal("12.17"), datetime.date(2026, 1, 1))
    total = ordering.financing(Vehicle.objects.filter(order_line=line), store.pk, datetime.date(2026, 11, 11))
    # 1000 × 12.17% / 365 = 0.33342...; three of them 1.00027 → 1.00 (each rounded first would give 0.99)
    assert total.interest == Decimal("1.00")


def test_a_car_financed_across_a_rate_change_pays_each_rate_for_its_days(world: World) -> None:
    store = world.stores["S1"]
    car = allocated(world, cost="365000", financed=datetime.date(2026, 11, 1))
    ordering.set_rate(store, Decimal("3.65"), datetime.date(2026, 10, 1))
    ordering.set_rate(store, Decimal("7.30"), datetime.date(2026, 11, 6))
    ordering.set_rate(store, Decimal("1.00"), datetime.date(2026, 12, 1))  # not yet in force on the 11th
    today = datetime.date(2026, 11, 11)
    # Nov 1-5 at 3.65%: 365000 × 3.65% / 365 = 36.50 a day × 5 = 182.50; Nov 6-10 at 7.30%: 73.00 × 5 = 365.00
    assert ordering.vehicle_interest(car, today) == Decimal("547.50")
    financed = ordering.financing(Vehicle.objects.filter(pk=car.pk), store.pk, today)
    assert (financed.interest, financed.rate, financed.unrated) == (Decimal("547.50"), Decimal("7.30"), 0)
    # the same day's rate set again replaces it: Nov 6-10 at 0%
    ordering.set_rate(store, Decimal("0"), datetime.date(2026, 11, 6))
    assert ordering.vehicle_interest(car, today) == Decimal("182.50")


def test_days_before_the_first_rate_are_not_charged_and_said(world: World) -> None:
    store = world.stores["S1"]
    car = allocated(world, cost="365000", financed=datetime.date(2026, 11, 1))
    ordering.set_rate(store, Decimal("3.65"), datetime.date(2026, 11, 9))
    today = datetime.date(2026, 11, 11)
    assert ordering.vehicle_interest(car, today) == Decimal("73.00")  # Nov 9 and 10 only
    assert ordering.financing(Vehicle.objects.filter(pk=car.pk), store.pk, today).unrated == 1


def test_the_rate_page_sets_a_rate_from_a_day_audited(client: object, world: World) -> None:
    store = world.stores["S1"]
    ordering.set_rate(store, Decimal("3.65"), datetime.date(2026, 10, 1))
    log_in(client, "m1")
    url = reverse("floor-plan-rate")
    assert client.post(url, {"valid_from": "2026-11-06", "annual_percent": "4.35"}).status_code == 302  # type: ignore
    assert client.post(url, {"valid_from": "2026-11-06", "annual_percent": "4.50"}).status_code == 302  # type: ignore
    assert list(FloorPlanRate.objects.filter(store=store).order_by("valid_from")
                .values_list("valid_from", "annual_percent")) == [
        (datetime.date(2026, 10, 1), Decimal("3.65")), (datetime.date(2026, 11, 6), Decimal("4.50"))]
    rate = FloorPlanRate.objects.get(store=store, valid_from=datetime.date(2026, 11, 6))
    created, changed = entries_of(rate)
    assert created.action == "create" and created.actor.username == "m1"
    assert (changed.before["annual_percent"], changed.after["annual_percent"]) == ("4.35", "4.50")
    assert client.post(url, {"valid_from": "2026-13-01", "annual_percent": "4"}).status_code == 302  # type: ignore
    assert FloorPlanRate.objects.filter(store=store).count() == 2
    page = client.get(reverse("vehicle-arrivals")).content.decode()  # type: ignore[attr-defined]
    assert 'data-testid="rates"' in page and "2026-11-06" in page


# --- the purchase-sales-stock report -------------------------------------------------------------------------------


def car(world: World, arrived: datetime.date | None, cost: str, trim: Trim | None = None,
        status: str = "in_stock") -> Vehicle:
    return Vehicle.objects.create(store=world.stores["S1"], vin=make_vin(next(_serial)), trim=trim or world.trim,
                                  colour="白", cost=Decimal(cost), arrived_on=arrived, status=status)


def sold(world: World, arrived: datetime.date, delivered: datetime.date, cost: str) -> Vehicle:
    delivery = delivered_deal(world, "c1", timezone.make_aware(datetime.datetime.combine(
        delivered, datetime.time(10))))
    Vehicle.objects.filter(pk=delivery.vehicle_id).update(arrived_on=arrived, cost=Decimal(cost))
    return delivery.vehicle


def flow_world(world: World) -> None:
    """S1 in November 2026, besides the world's car in stock since 2026-09-01 (205000, at a dealer since 09-02)."""
    s5 = second_model(world)
    kept = car(world, datetime.date(2026, 10, 15), "100000")
    car(world, datetime.date(2026, 11, 5), "110000", trim=s5)
    sold(world, datetime.date(2026, 10, 20), datetime.date(2026, 11, 10), "120000")
    sold(world, datetime.date(2026, 11, 3), datetime.date(2026, 11, 20), "130000")
    sold(world, datetime.date(2026, 10, 1), datetime.date(2026, 10, 25), "140000")  # before the month
    car(world, datetime.date(2026, 12, 2), "150000")  # after it
    car(world, None, "160000", status="in_transit")
    car(world, datetime.date(2026, 10, 2), "170000", status="demo")  # never sale stock
    dealer = SecondaryDealer.objects.get(store=world.stores["S1"])
    Transfer.objects.create(store=world.stores["S1"], vehicle=kept, moved_on=datetime.date(2026, 11, 7),
                            to_dealer=dealer)
    Transfer.objects.create(store=world.stores["S1"], vehicle=kept, moved_on=datetime.date(2026, 11, 9),
                            from_dealer=dealer)


def test_the_months_flow_per_model_against_the_records(world: World) -> None:
    flow_world(world)
    report = flow.month_flow([world.stores["S1"].pk], MONTH)
    lines = {line.model: line for line in report.lines}
    assert set(lines) == {"S5", "S7"}
    s7, s5 = lines["S7"], lines["S5"]
    assert s7.counts == {"opening": 3, "received": 1, "sold": 2, "out": 1, "back": 1, "closing": 2}
    assert s7.values == {"opening": Decimal("425000"), "received": Decimal("130000"), "sold": Decimal("250000"),
                         "out": Decimal("100000"), "back": Decimal("100000"), "closing": Decimal("305000")}
    assert s5.counts == {"received": 1, "closing": 1}
    assert s5.values == {"received": Decimal("110000"), "closing": Decimal("110000")}
    totals = report.totals()
    assert totals.counts["closing"] == totals.counts["opening"] + totals.counts["received"] - totals.counts["sold"]
    assert totals.values["closing"] == Decimal("415000")


def test_one_months_closing_is_the_next_months_opening(world: World) -> None:
    flow_world(world)
    stores = [world.stores["S1"].pk]
    october, november = flow.month_flow(stores, datetime.date(2026, 10, 1)), flow.month_flow(stores, MONTH)
    assert october.totals().counts["closing"] == november.totals().counts["opening"] == 3
    assert october.totals().values["closing"] == november.totals().values["opening"]
    assert october.totals().counts["sold"] == 1


# --- the pages ----------------------------------------------------------------------------------------------------


def test_the_manager_orders_confirms_allocates_and_receives_through_the_pages(client: object, world: World) -> None:
    log_in(client, "m1")
    response = client.post(reverse("vehicle-order-start"), {"month": "2026-11"})  # type: ignore[attr-defined]
    order = VehicleOrder.objects.get(store=world.stores["S1"], month=MONTH)
    assert response.url == reverse("vehicle-order-detail", args=[order.pk])
    client.post(reverse("vehicle-order-line", args=[order.pk]),  # type: ignore[attr-defined]
                {"trim": world.trim.pk, "colour": " 白 ", "quantity": "2"})
    client.post(reverse("vehicle-order-submit", args=[order.pk]))  # type: ignore[attr-defined]
    line = order.lines.get()
    client.post(reverse("vehicle-order-confirm", args=[order.pk]),  # type: ignore[attr-defined]
                {"confirmed_on": "2026-11-02", f"line_{line.pk}": "1"})
    vin = make_vin(next(_serial))
    client.post(reverse("vehicle-order-allocate", args=[order.pk]), {  # type: ignore[attr-defined]
        "line": line.pk, "vin": f" {vin[:8].lower()} {vin[8:]}", "cost": "199000.50", "financed_from": "2026-11-03"})
    vehicle = Vehicle.objects.get(vin=vin)
    assert (vehicle.status, vehicle.cost, vehicle.colour) == ("in_transit", Decimal("199000.50"), "白")
    page = client.get(reverse("vehicle-arrivals"))  # type: ignore[attr-defined]
    assert vin in page.content.decode() and 'data-testid="rate-missing"' in page.content.decode()
    response = client.post(reverse("vehicle-arrivals"), {  # type: ignore[attr-defined]
        "vin": vin, "received_on": "2026-11-05", "condition": "damaged", "damage_note": "", "location": "A-1"})
    assert response.status_code == 400 and "Say what is damaged" in response.content.decode()
    client.post(reverse("vehicle-arrivals"), {  # type: ignore[attr-defined]
        "vin": vin, "received_on": "2026-11-05", "condition": "ok", "damage_note": "ignored", "location": "A-1"})
    vehicle.refresh_from_db()
    assert (vehicle.status, vehicle.arrived_on, vehicle.location, vehicle.damage_note) == (
        "in_stock", datetime.date(2026, 11, 5), "A-1", "")
    order.refresh_from_db()
    assert order.status == "confirmed" and order.lines.get().confirmed == 1


def test_bad_input_gets_field_errors(client: object, world: World) -> None:
    log_in(client, "m1")
    order, line = confirmed_order(world)
    response = client.post(reverse("vehicle-order-allocate", args=[order.pk]), {  # type: ignore[attr-defined]
        "line": line.pk, "vin": "LDK12345678901234", "cost": "-1", "financed_from": "2026-13-01"})
    assert response.status_code == 400
    assert set(response.context["allocate_form"].errors) == {"vin", "cost", "financed_from"}
    response = client.post(reverse("vehicle-order-line", args=[order.pk]),  # type: ignore[attr-defined]
                           {"trim": world.trim.pk, "colour": "红", "quantity": "1"})
    assert response.status_code == 400 and "Only a draft order" in response.content.decode()
    response = client.post(reverse("vehicle-order-start"), {"month": "2026-99"})  # type: ignore[attr-defined]
    assert response.status_code == 302 and not VehicleOrder.objects.exclude(pk=order.pk).exists()
    assert client.post(reverse("floor-plan-rate"), {"annual_percent": "x"}).status_code == 302  # type: ignore
    assert not FloorPlanRate.objects.exists()
    assert client.get(reverse("stock-flow"), {"month": "nonsense"}).status_code == 200  # type: ignore


def test_a_consultant_cannot_order_or_receive(client: object, world: World) -> None:
    order, _line = confirmed_order(world)
    log_in(client, "c1")
    for name in ("vehicle-orders", "vehicle-arrivals", "stock-flow", "stock-flow-xlsx"):
        assert client.get(reverse(name)).status_code == 403  # type: ignore[attr-defined]
    assert client.get(reverse("vehicle-order-detail", args=[order.pk])).status_code == 403  # type: ignore
    assert client.post(reverse("vehicle-order-start"), {"month": "2026-12"}).status_code == 403  # type: ignore
    for name in ("vehicle-order-submit", "vehicle-order-suggest", "vehicle-order-line", "vehicle-order-allocate"):
        assert client.post(reverse(name, args=[order.pk])).status_code == 403  # type: ignore[attr-defined]
    assert VehicleOrder.objects.count() == 1


def test_another_stores_manager_does_not_find_the_order(client: object, world: World) -> None:
    order, line = confirmed_order(world)
    car = ordering.allocate(line, make_vin(next(_serial)), Decimal("200000"), MONTH)
    log_in(client, "m2")
    assert client.get(reverse("vehicle-order-detail", args=[order.pk])).status_code == 404  # type: ignore
    for name in ("vehicle-order-line", "vehicle-order-submit", "vehicle-order-confirm", "vehicle-order-allocate",
                 "vehicle-order-suggest"):
        assert client.post(reverse(name, args=[order.pk]), {}).status_code == 404  # type: ignore[attr-defined]
    page = client.get(reverse("vehicle-orders")).content.decode()  # type: ignore[attr-defined]
    assert reverse("vehicle-order-detail", args=[order.pk]) not in page
    response = client.post(reverse("vehicle-arrivals"), {  # type: ignore[attr-defined]
        "vin": car.vin, "received_on": "2026-11-05", "condition": "ok", "location": "B-1"})
    assert response.status_code == 400 and car.vin not in response.content.decode().replace(
        f'value="{car.vin}"', "")
    car.refresh_from_db()
    assert car.status == "in_transit"


def test_head_office_reads_but_does_not_act(client: object, world: World) -> None:
    order, _line = confirmed_order(world)
    log_in(client, "ho_group")
    page = client.get(reverse("vehicle-order-detail", args=[order.pk]))  # type: ignore[attr-defined]
    assert page.status_code == 200 and page.context["allocate_form"] is None
    assert client.post(reverse("vehicle-order-allocate", args=[order.pk]), {}).status_code == 403  # type: ignore
    assert client.post(reverse("vehicle-arrivals"), {}).status_code == 403  # type: ignore[attr-defined]
    log_in(client, "ho_g2")
    assert client.get(reverse("vehicle-order-detail", args=[order.pk])).status_code == 404  # type: ignore


def test_the_arrivals_page_says_the_rate_and_the_interest(client: object, world: World) -> None:
    car = allocated(world, cost="365000", financed=timezone.localdate() - datetime.timedelta(days=2))
    FloorPlanRate.objects.create(store=world.stores["S1"], annual_percent=Decimal("4.00"),
                                 valid_from=datetime.date(2026, 1, 1))
    log_in(client, "m1")
    page = client.get(reverse("vehicle-arrivals")).content.decode()  # type: ignore[attr-defined]
    assert 'data-testid="rate-missing"' not in page and "4.00% a year" in page
    # 365000 × 4% / 365 = 40.00 a day, two days; the world's car in stock has no financing start
    assert client.get(reverse("vehicle-arrivals")).context["financing"].interest == Decimal("80.00")  # type: ignore
    detail = client.get(reverse("vehicle-detail", args=[car.pk])).content.decode()  # type: ignore[attr-defined]
    assert 'data-testid="interest">80.00<' in detail


def test_the_flow_page_and_its_excel_agree(client: object, world: World) -> None:
    flow_world(world)
    log_in(client, "m1")
    page = client.get(reverse("stock-flow"), {"month": "2026-11"})  # type: ignore[attr-defined]
    assert page.context["totals"].counts["closing"] == 3
    response = client.get(reverse("stock-flow-xlsx"), {"month": "2026-11"})  # type: ignore[attr-defined]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    by_model = {row[0]: row[1:] for row in rows if row and row[0] in ("S5", "S7", "Total")}
    assert by_model["S7"] == (3, 425000, 1, 130000, 2, 250000, 1, 100000, 1, 100000, 2, 305000)
    assert by_model["Total"][-2:] == (3, 415000)
    log_in(client, "m2")  # S2's own month: none of S1's vehicles
    other = client.get(reverse("stock-flow"), {"month": "2026-11"})  # type: ignore[attr-defined]
    assert "S5" not in [line.model for line in other.context["flow"].lines]


def test_head_office_picks_one_of_its_stores_for_the_flow_and_its_excel(client: object, world: World) -> None:
    flow_world(world)
    # S2 holds the world's one car of its own (205000): in stock since before November
    log_in(client, "ho_r1")  # head office of region R1: S1 and S2
    first = client.get(reverse("stock-flow"), {"month": "2026-11"})  # type: ignore[attr-defined]
    assert [store.code for store in first.context["stores"]] == ["S1", "S2"]
    assert first.context["store"].code == "S1" and first.context["totals"].counts["closing"] == 3
    assert 'data-testid="store-picker"' in first.content.decode()
    s2 = {"month": "2026-11", "store": world.stores["S2"].pk}
    second = client.get(reverse("stock-flow"), s2)  # type: ignore[attr-defined]
    assert (second.context["totals"].counts["closing"], second.context["totals"].values["closing"]) == (
        1, Decimal("205000"))
    workbook = client.get(reverse("stock-flow-xlsx"), s2)  # type: ignore[attr-defined]
    assert "stock-flow-S2-2026-11.xlsx" in workbook["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True))
    assert [row[1:3] for row in rows if row and row[0] == "Total"] == [(1, 205000)]
    outside = {"month": "2026-11", "store": world.stores["S3"].pk}  # R2's store: not R1's head office
    assert client.get(reverse("stock-flow"), outside).status_code == 404  # type: ignore[attr-defined]
    assert client.get(reverse("stock-flow-xlsx"), outside).status_code == 404  # type: ignore[attr-defined]
    log_in(client, "m2")  # a store's manager sees its own store only, without a picker
    own = client.get(reverse("stock-flow"), {"month": "2026-11"})  # type: ignore[attr-defined]
    assert own.context["stores"] == [] and own.context["store"].code == "S2"
    assert client.get(reverse("stock-flow"), {"store": world.stores["S1"].pk}).status_code == 404  # type: ignore


# --- the suggested order -------------------------------------------------------------------------------------------


def test_the_suggestion_from_sales_stock_transit_and_what_is_still_to_come(world: World) -> None:
    """S1's 白 S7: the world's three deliveries of 2026-10-10 and six more in November, one outside the 90 days;
    on hand the world's car; a confirmed line of 3 with 2 allocated (in transit): 1 still to come."""
    today = datetime.date(2026, 11, 30)
    for day in range(1, 7):
        sold(world, datetime.date(2026, 10, 1), datetime.date(2026, 11, day), "200000")
    sold(world, datetime.date(2026, 7, 1), datetime.date(2026, 8, 1), "200000")  # before the 90 days
    _order, line = confirmed_order(world, quantity=3, confirmed=3)
    for _ in range(2):
        ordering.allocate(line, make_vin(next(_serial)), Decimal("200000"), MONTH)
    Vehicle.objects.filter(pk=car(world, None, "200000", status="in_transit").pk).update(colour="黑")
    found = {(s.trim_id, s.colour): s for s in suggest.suggestions(world.stores["S1"].pk, today)}
    white, black = found[(world.trim.pk, "白")], found[(world.trim.pk, "黑")]
    assert (white.sold, white.on_hand, white.in_transit, white.to_come) == (9, 1, 2, 1)
    assert white.monthly_rate == Decimal("3.0")
    assert white.suggested == 2  # 3 a month × (1 + 1 month) - 1 - 2 - 1
    assert (black.sold, black.in_transit, black.suggested) == (0, 1, 0)


def test_using_the_suggestion_replaces_a_drafts_lines(world: World) -> None:
    for day in range(1, 4):
        sold(world, datetime.date(2026, 10, 1), datetime.date(2026, 11, day), "200000")
    order = ordering.start_order(world.stores["S1"], datetime.date(2026, 12, 1))
    ordering.set_line(order, world.trim, "红", 4)
    # 6 sold in 90 days (3 of the world's) → 2 a month × 2 = 4, less the world's car on hand: 3
    assert suggest.use_suggestion(order, datetime.date(2026, 11, 30)) == 1
    assert list(order.lines.values_list("colour", "quantity")) == [("白", 3)]
    ordering.submit(order, datetime.date(2026, 11, 30))
    with pytest.raises(ValidationError, match="Only a draft"):
        suggest.use_suggestion(order, datetime.date(2026, 11, 30))


def test_the_draft_page_shows_the_suggestion_and_uses_it(client: object, world: World) -> None:
    order = ordering.start_order(world.stores["S1"], datetime.date(2026, 12, 1))
    log_in(client, "m1")
    page = client.get(reverse("vehicle-order-detail", args=[order.pk]))  # type: ignore[attr-defined]
    assert [s.colour for s in page.context["suggestions"]] == ["白"]
    assert 'data-testid="suggest-form"' in page.content.decode()
    client.post(reverse("vehicle-order-suggest", args=[order.pk]))  # type: ignore[attr-defined]
    wanted = [(s.colour, s.suggested) for s in page.context["suggestions"] if s.suggested > 0]
    assert list(order.lines.values_list("colour", "quantity")) == wanted


# --- vehicles entered by hand ----------------------------------------------------------------------------------


def test_a_vehicle_entered_by_form_in_stock_or_in_transit(client: object, world: World) -> None:
    log_in(client, "m1")
    received, coming = make_vin(next(_serial)), make_vin(next(_serial))
    data = {"trim": world.trim.pk, "colour": "灰", "cost": "188000", "financed_from": "2026-10-01"}
    response = client.post(reverse("vehicle-new"), {**data, "vin": received, "arrived_on": "2026-10-05"})  # type: ignore
    vehicle = Vehicle.objects.get(vin=received)
    assert response.url == reverse("vehicle-detail", args=[vehicle.pk])
    assert (vehicle.store, vehicle.status, vehicle.arrived_on, vehicle.cost) == (
        world.stores["S1"], "in_stock", datetime.date(2026, 10, 5), Decimal("188000"))
    client.post(reverse("vehicle-new"), {**data, "vin": coming, "arrived_on": ""})  # type: ignore[attr-defined]
    assert Vehicle.objects.get(vin=coming).status == "in_transit"
    again = client.post(reverse("vehicle-new"), {**data, "vin": coming})  # type: ignore[attr-defined]
    assert again.status_code == 400 and "vin" in again.context["vehicle_form"].errors
    early = client.post(reverse("vehicle-new"), {  # type: ignore[attr-defined]
        **data, "vin": make_vin(next(_serial)), "arrived_on": "2026-09-30"})
    assert early.status_code == 400 and "arrived_on" in early.context["vehicle_form"].errors
    log_in(client, "c1")
    assert client.post(reverse("vehicle-new"), {**data, "vin": make_vin(next(_serial))}).status_code == 403  # type: ignore
    assert Vehicle.objects.filter(colour="灰").count() == 2


# --- vehicles imported -----------------------------------------------------------------------------------------

HEADER = ["store", "vin", "trim", "colour", "cost", "financed_from", "arrived_on"]


def test_vehicles_imported_from_a_file_every_row_or_none(world: World) -> None:
    m1 = viewer_for(world.users["m1"])
    first, second = make_vin(next(_serial)), make_vin(next(_serial))
    good = [["S1", first, "YH-S7-LUX", "珍珠白", "198,000.50", "2026-10-01", "2026-10-08"],
            ["S1", second.lower(), "YH-S7-LUX", "黑", "199000", "2026-10-02", ""]]
    outcome = run("vehicles", csv_file(HEADER, good), viewer=m1)
    assert outcome.ok and outcome.report.written == 2
    assert (Vehicle.objects.get(vin=first).status, Vehicle.objects.get(vin=first).cost) == ("in_stock",
                                                                                              Decimal("198000.50"))
    assert Vehicle.objects.get(vin=second).status == "in_transit"
    known = Vehicle.objects.count()
    third = make_vin(next(_serial))
    bad = [["S1", third, "YH-S7-LUX", "白", "200000", "", ""],  # fine, but the file is refused as a whole
           ["S1", first, "YH-S7-LUX", "白", "200000", "", ""],  # known VIN
           ["S2", make_vin(next(_serial)), "YH-S7-LUX", "白", "200000", "", ""],  # m1 may not import into S2
           ["S1", make_vin(next(_serial)), "NO-SUCH", "白", "0", "", "2030-01-01"],
           ["S1", third, "YH-S7-LUX", "白", "200000", "2026-10-09", "2026-10-08"]]  # twice; before invoiced
    outcome = run("vehicles", csv_file(HEADER, bad), viewer=m1)
    problems = {(error.row, error.column.split(" ")[-1].strip("()"), error.message) for error in outcome.report.errors}
    assert not outcome.ok and Vehicle.objects.count() == known
    rows_with_problems = {row for row, _column, _message in problems}
    assert rows_with_problems == {3, 4, 5, 6}
    assert any(row == 3 and "exists already" in message for row, _c, message in problems)
    assert any(row == 4 and "no store S2" in message for row, _c, message in problems)
    assert {column for row, column, _m in problems if row == 5} >= {"trim", "cost", "arrived_on"}
    assert any(row == 6 and "Also in row 2" in message for row, _c, message in problems)
