"""The sales plan in Chromium: the sales manager opens it from the menu, sees the conversion rates of July to
September and the chart, enters the store's delivery target, sees the funnel worked back, saves, and the targets
page shows the new target. Screenshots at desktop and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dealerkpi.targets.models import Target
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.test_sales_plan import funnel_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_manager_plans_the_month_and_it_becomes_the_target(page) -> None:
    world = funnel_world()
    log_in(page, "m1")
    page.get_by_test_id("nav-sales-plan").click()
    page.wait_for_selector("[data-testid=plan-lines]")
    page.goto("/targets/plan/?month=2026-10")
    page.wait_for_selector("[data-testid=plan-chart] canvas")
    store_line = page.locator(f"[data-testid=plan-lines] tr[data-line=store-{world.stores['S1'].pk}]")
    expect(store_line.locator("td[data-stage=first_visits] b")).to_have_text("—")  # no target yet

    page.fill("[data-testid=plan-form] input[name=deliveries]", "10")
    page.click("[data-testid=plan-form] button[value=preview]")
    page.wait_for_selector("[data-testid=plan-changes]")
    # 10 cars at 3 deliveries per 9 orders, 9 orders per 12 test drives, 12 test drives per 30 first visits
    expect(store_line.locator("td[data-stage=orders] b")).to_have_text("30")
    expect(store_line.locator("td[data-stage=test_drives] b")).to_have_text("40")
    expect(store_line.locator("td[data-stage=first_visits] b")).to_have_text("100")
    assert not Target.objects.exists()
    screenshot(page, "sales-plan-preview-desktop")

    page.click("[data-testid=plan-save]")
    page.wait_for_url("**/targets/plan/?store=*&month=2026-10")
    assert Target.objects.get(store=world.stores["S1"], metric="units_delivered", staff=None, team=None).value == 10
    page.goto("/targets/?month=2026-10")
    targets = page.locator("[data-testid=store-targets] tbody tr")
    expect(targets.first.locator("td").nth(1)).to_have_text("10")
    expect(targets.nth(1).locator("td").nth(1)).to_have_text("100")

    page.set_viewport_size(PHONE)
    page.goto("/targets/plan/?month=2026-10")
    page.wait_for_selector("[data-testid=plan-chart] canvas")
    screenshot(page, "sales-plan-phone")
