"""A secondary dealer's month against target and its settlement, in Chromium: m1 sets the dealer's target for this
month on its page and the trim's wholesale price, supplies a car to it through the vehicle's transfer form, sees
the car counted against the target on the dealer's page and on the stock overview, records a payment for part of
the car (after one beyond what it owes is refused) and sees the balance. Screenshots of the dealer and settlement
pages."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealerkpi.stock.models import SecondaryDealer, Vehicle
from tests.browser.conftest import log_in
from tests.browser.test_order_to_delivery import shoot_both_widths
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_manager_sets_a_target_supplies_a_car_and_sees_the_month(page: object) -> None:
    world = build_world()
    dealer = SecondaryDealer.objects.get(store=world.stores["S1"])
    car = Vehicle.objects.get(store=world.stores["S1"], status=Vehicle.Status.IN_STOCK)
    month = f"{timezone.localdate():%Y-%m}"
    log_in(page, "m1")
    page.goto(f"/stock/dealers/{dealer.pk}/")  # type: ignore[attr-defined]
    page.fill("[data-testid=target-form] input[name=month]", month)  # type: ignore[attr-defined]
    page.fill("[data-testid=target-form] input[name=units]", "-3")  # type: ignore[attr-defined]
    page.click("[data-testid=target-form] button[type=submit]")  # type: ignore[attr-defined]
    expect(page.locator("[data-testid=target-form] .errorlist")).to_have_count(1)  # type: ignore[attr-defined]
    page.fill("[data-testid=target-form] input[name=units]", "4")  # type: ignore[attr-defined]
    page.click("[data-testid=target-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    assert page.get_by_test_id("target").inner_text() == "4"  # type: ignore[attr-defined]
    assert page.get_by_test_id("supplied").inner_text() == "0"  # type: ignore[attr-defined]

    page.goto("/stock/dealers/prices/")  # type: ignore[attr-defined]
    page.select_option("[data-testid=price-form] select[name=trim]", str(car.trim_id))  # type: ignore[attr-defined]
    page.fill("[data-testid=price-form] input[name=valid_from]", "2026-01-01")  # type: ignore[attr-defined]
    page.fill("[data-testid=price-form] input[name=price]", "150000")  # type: ignore[attr-defined]
    page.click("[data-testid=price-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    assert "150,000.00" in page.get_by_test_id("prices").inner_text()  # type: ignore[attr-defined]

    page.goto(f"/stock/vehicles/{car.pk}/")  # type: ignore[attr-defined]
    page.select_option("[data-testid=transfer-form] select[name=to_dealer]", str(dealer.pk))  # type: ignore
    page.click("[data-testid=transfer-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]

    page.goto(f"/stock/dealers/{dealer.pk}/?month={month}")  # type: ignore[attr-defined]
    assert page.get_by_test_id("supplied").inner_text() == "1"  # type: ignore[attr-defined]
    assert page.get_by_test_id("completion").inner_text() == "25.0%"  # type: ignore[attr-defined]
    shoot_both_widths(page, "secondary-dealer")
    page.goto("/stock/")  # type: ignore[attr-defined]
    row = page.get_by_test_id("dealers").locator("tr", has_text=dealer.name).inner_text()  # type: ignore
    assert row.split("\t")[-3:] == ["4", "1", "25.0%"]

    page.goto(f"/stock/dealers/{dealer.pk}/")  # type: ignore[attr-defined]
    page.click("[data-testid=settlement-link]")  # type: ignore[attr-defined]
    expect(page.get_by_test_id("balance")).to_have_text("150,000.00")  # type: ignore[attr-defined]
    amount = page.locator("[data-testid=payment-form] input[name^=car_]").last  # type: ignore[attr-defined]
    assert amount.input_value() == "150000.00"
    page.fill("[data-testid=payment-form] input[name=reference]", "工行-1125")  # type: ignore[attr-defined]
    amount.fill("150000.01")
    page.click("[data-testid=payment-form] button[type=submit]")  # type: ignore[attr-defined]
    expect(page.locator("[data-testid=payment-form] .errorlist")).to_have_count(1)  # type: ignore[attr-defined]
    amount.fill("100000")
    page.click("[data-testid=payment-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    assert page.get_by_test_id("balance").inner_text() == "50,000.00"  # type: ignore[attr-defined]
    assert "工行-1125" in page.get_by_test_id("payments").inner_text()  # type: ignore[attr-defined]
    shoot_both_widths(page, "secondary-dealer-settlement")
