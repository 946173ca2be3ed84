"""A car ordered, allocated, received and sold, in Chromium: m1 opens this month's order to the manufacturer, adds
a line, submits it, records the confirmation and allocates a vehicle by VIN (in transit); receives it by VIN into
stock; c1 sells it through the order and delivery pages; the purchase-sales-stock report shows it received and
sold. Screenshots of the order, arrivals and report pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from dealerkpi.sales.services import CHECKLIST
from dealerkpi.stock.models import Vehicle, VehicleOrder
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_order_to_delivery import shoot_both_widths
from tests.test_desk_sales import open_lead
from tests.world import build_world, make_vin

pytestmark = pytest.mark.django_db(transaction=True)


def order_allocate_and_receive(page: object, trim_pk: int, vin: str) -> None:
    log_in(page, "m1")
    page.goto("/stock/orders/")  # type: ignore[attr-defined]
    page.fill("[data-testid=order-start-form] input[name=month]", f"{timezone.localdate():%Y-%m}")  # type: ignore
    page.click("[data-testid=order-start-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/stock/orders/*/")  # type: ignore[attr-defined]
    page.select_option("[data-testid=line-form] select[name=trim]", str(trim_pk))  # type: ignore[attr-defined]
    page.fill("[data-testid=line-form] input[name=colour]", "珍珠白")  # type: ignore[attr-defined]
    page.fill("[data-testid=line-form] input[name=quantity]", "2")  # type: ignore[attr-defined]
    page.click("[data-testid=line-form] button[type=submit]")  # type: ignore[attr-defined]
    page.click("[data-testid=submit-form] button")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=confirm-form]")  # type: ignore[attr-defined]
    page.fill("[data-testid=confirm-form] input[name^=line_]", "1")  # type: ignore[attr-defined]
    page.click("[data-testid=confirm-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=allocate-form]")  # type: ignore[attr-defined]
    page.select_option("[data-testid=allocate-form] select[name=line]", index=1)  # type: ignore[attr-defined]
    page.fill("[data-testid=allocate-form] input[name=vin]", vin)  # type: ignore[attr-defined]
    page.fill("[data-testid=allocate-form] input[name=cost]", "200000")  # type: ignore[attr-defined]
    page.click("[data-testid=allocate-form] button[type=submit]")  # type: ignore[attr-defined]
    assert vin in page.get_by_test_id("allocated-vehicles").inner_text()  # type: ignore[attr-defined]
    shoot_both_widths(page, "vehicle-order")

    page.goto("/stock/arrivals/")  # type: ignore[attr-defined]
    assert vin in page.get_by_test_id("in-transit").inner_text()  # type: ignore[attr-defined]
    assert page.get_by_test_id("rate-missing").is_visible()  # type: ignore[attr-defined]
    page.fill("[data-testid=rate-form] input[name=annual_percent]", "4.35")  # type: ignore[attr-defined]
    page.click("[data-testid=rate-form] button[type=submit]")  # type: ignore[attr-defined]
    page.fill("[data-testid=receive-form] input[name=vin]", vin.lower())  # type: ignore[attr-defined]
    page.fill("[data-testid=receive-form] input[name=location]", "A-08")  # type: ignore[attr-defined]
    page.click("[data-testid=receive-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    assert vin not in page.get_by_test_id("in-transit").inner_text()  # type: ignore[attr-defined]
    assert page.get_by_test_id("rate-missing").count() == 0  # type: ignore[attr-defined]
    shoot_both_widths(page, "vehicle-arrivals")


def sell(page: object, lead_pk: int, vehicle_pk: int) -> None:
    log_in(page, "c1")
    page.goto(f"/desk/leads/{lead_pk}/order/")  # type: ignore[attr-defined]
    page.fill("input[name=colour]", "珍珠白")  # type: ignore[attr-defined]
    page.fill("input[name=price]", "229800")  # type: ignore[attr-defined]
    page.fill("input[name=deposit]", "229800")  # type: ignore[attr-defined]
    page.click("[data-testid=order-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/desk/orders/*/")  # type: ignore[attr-defined]
    soon = timezone.localtime() + datetime.timedelta(hours=1)
    page.fill("input[name=scheduled_for]", soon.strftime("%Y-%m-%dT%H:%M"))  # type: ignore[attr-defined]
    page.select_option("select[name=vehicle]", str(vehicle_pk))  # type: ignore[attr-defined]
    page.click("[data-testid=schedule-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=checklist-form]")  # type: ignore[attr-defined]
    for name in CHECKLIST:
        page.check(f"[data-testid=checklist-form] input[name={name}]")  # type: ignore[attr-defined]
    page.click("[data-testid=checklist-form] button[name=complete]")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=c-cards]")  # type: ignore[attr-defined]


def test_a_car_ordered_allocated_received_and_sold(page: object) -> None:
    world = build_world()
    vin = make_vin(97001)
    order_allocate_and_receive(page, world.trim.pk, vin)
    vehicle = Vehicle.objects.get(vin=vin)
    assert (vehicle.status, vehicle.location, vehicle.arrived_on) == ("in_stock", "A-08", timezone.localdate())
    assert VehicleOrder.objects.get(store=world.stores["S1"]).status == "confirmed"

    sell(page, open_lead(world, "c1").pk, vehicle.pk)
    vehicle.refresh_from_db()
    assert vehicle.status == "delivered"

    log_in(page, "m1")
    page.goto("/stock/flow/")  # type: ignore[attr-defined]
    row = page.locator("[data-testid=flow] tbody tr", has_text="S7")  # type: ignore[attr-defined]
    cells = [text.split("\n")[0].strip() for text in row.locator("td").all_inner_texts()]
    # model, opening, received, sold, out, back, closing: the world's car (arrived 2026-09-01) is still on hand
    assert cells[2:4] == ["1", "1"], cells
    assert cells[1] == cells[6], cells
    screenshot(page, "stock-flow-desktop")
