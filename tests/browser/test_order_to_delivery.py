"""An order through approval to delivery in Chromium: c1 takes an order below the floor price from an A-card,
m1 approves it, c1 records the balance, schedules the delivery with a vehicle, ticks the checklist and hands the
car over; the C-card calls appear. Screenshots of the order form, the order page and the stock overview at
desktop and phone width."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from dealerkpi.sales.models import Order
from dealerkpi.sales.services import CHECKLIST
from tests.browser.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.test_desk_sales import in_stock, open_lead
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def no_sideways_scroll(page: object) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # type: ignore[attr-defined]


def shoot_both_widths(page: object, name: str) -> None:
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    screenshot(page, f"{name}-phone")
    assert no_sideways_scroll(page), f"{name}: the page scrolls sideways at phone width"
    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]


def test_an_order_below_floor_through_approval_to_delivery(page: object) -> None:
    world = build_world()
    lead = open_lead(world, "c1")
    vehicle = in_stock(world)
    with translation.override("zh-hans"):
        awaiting, confirmed = str(Order.Status.AWAITING_APPROVAL.label), str(Order.Status.CONFIRMED.label)
        delivered = str(Order.Status.DELIVERED.label)

    log_in(page, "c1")
    page.goto(f"/desk/leads/{lead.pk}/order/")  # type: ignore[attr-defined]
    page.fill("input[name=colour]", "珍珠白")  # type: ignore[attr-defined]
    page.fill("input[name=price]", "208000")  # type: ignore[attr-defined]
    page.fill("input[name=deposit]", "5000")  # type: ignore[attr-defined]
    page.fill("input[name=insurance_amount]", "6800")  # type: ignore[attr-defined]
    page.fill("input[name=insurance_income]", "1020")  # type: ignore[attr-defined]
    shoot_both_widths(page, "order-form")
    page.click("[data-testid=order-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/desk/orders/*/")  # type: ignore[attr-defined]
    assert page.get_by_test_id("order-status").inner_text() == awaiting  # type: ignore[attr-defined]
    order_url = page.url  # type: ignore[attr-defined]

    log_in(page, "m1")
    page.goto(order_url)  # type: ignore[attr-defined]
    page.click("[data-testid=approvals] button[value=approve]")  # type: ignore[attr-defined]
    expect(page.get_by_test_id("order-status")).to_have_text(confirmed)  # type: ignore[attr-defined]

    log_in(page, "c1")
    page.goto(order_url)  # type: ignore[attr-defined]
    assert page.get_by_test_id("outstanding").inner_text() == "209,800.00"  # 208,000 + 6,800 - 5,000
    page.select_option("[data-testid=payment-form] select[name=kind]", "balance")  # type: ignore[attr-defined]
    page.fill("[data-testid=payment-form] input[name=amount]", "209800")  # type: ignore[attr-defined]
    page.click("[data-testid=payment-form] button[type=submit]")  # type: ignore[attr-defined]
    expect(page.get_by_test_id("outstanding")).to_have_text("0.00")  # type: ignore[attr-defined]

    when = timezone.localtime() + datetime.timedelta(days=2)
    page.fill("input[name=scheduled_for]", when.strftime("%Y-%m-%dT10:00"))  # type: ignore[attr-defined]
    page.select_option("select[name=vehicle]", str(vehicle.pk))  # type: ignore[attr-defined]
    page.click("[data-testid=schedule-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=checklist-form]")  # type: ignore[attr-defined]
    for name in CHECKLIST:
        page.check(f"[data-testid=checklist-form] input[name={name}]")  # type: ignore[attr-defined]
    shoot_both_widths(page, "order-page")
    page.click("[data-testid=checklist-form] button[name=complete]")  # type: ignore[attr-defined]
    expect(page.get_by_test_id("order-status")).to_have_text(delivered)  # type: ignore[attr-defined]
    expect(page.locator("[data-testid=c-cards] tbody tr")).to_have_count(3)  # type: ignore[attr-defined]
    screenshot(page, "order-delivered-desktop")

    for _ in range(2):
        in_stock(world)
    log_in(page, "m1")
    page.goto("/stock/")  # type: ignore[attr-defined]
    # The world's vehicle and these two on hand, one delivery in 30 days: 3.00, above the 1.5 line.
    assert page.get_by_test_id("stock-count").inner_text() == "3"  # type: ignore[attr-defined]
    assert page.get_by_test_id("coefficient").inner_text() == "3.00"  # type: ignore[attr-defined]
    assert page.get_by_test_id("coefficient").get_attribute("class") == "over"  # type: ignore[attr-defined]
    shoot_both_widths(page, "stock-overview")
