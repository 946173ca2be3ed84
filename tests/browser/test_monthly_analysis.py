"""The monthly sales analysis in Chromium: the sales manager opens it from the menu, picks October 2026, and the
charts are drawn (ECharts from our own static files). Screenshots at desktop (1366 px) and phone (390 px) width;
on a phone the page does not scroll sideways (wide tables scroll inside their cards)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)
CHARTS = ("models-chart", "consultants-chart", "products-chart", "funnel-chart", "lost-chart", "stock-chart")


def test_the_sales_manager_reads_the_month_with_its_charts(page) -> None:
    build_world()
    log_in(page, "m1")
    page.get_by_test_id("nav-monthly-analysis").click()
    page.wait_for_selector("[data-testid=month-picker]")
    page.fill("[data-testid=month-picker] input[name=month]", "2026-10")
    page.click("[data-testid=month-picker] button[type=submit]")
    page.wait_for_url("**/reports/monthly/?month=2026-10")
    for chart in CHARTS:
        page.wait_for_selector(f"[data-testid={chart}] canvas")
    assert page.locator("[data-testid=lines-volume] tr[data-figure=units]").get_attribute("data-now") == "3"
    assert page.locator("[data-testid=consultants] tbody tr").count() == 3
    screenshot(page, "monthly-analysis-desktop")

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("[data-testid=models-chart] canvas")
    screenshot(page, "monthly-analysis-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, "no sideways scroll"
    page.set_viewport_size(DESKTOP)

    with page.expect_download() as download:
        page.get_by_test_id("xlsx").click()
    assert download.value.suggested_filename == "monthly-analysis-S1-2026-10.xlsx"


def test_head_office_compares_its_stores(page) -> None:
    build_world()
    log_in(page, "ho_group")
    page.goto("/reports/monthly/?month=2026-10")
    rows = page.locator("[data-testid=stores] tbody tr")
    assert [rows.nth(n).get_attribute("data-store") for n in range(rows.count())] == ["S1", "S2", "S3"]
    page.wait_for_selector("[data-testid=consultants-chart] canvas")
    screenshot(page, "monthly-analysis-head-office-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot(page, "monthly-analysis-head-office-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, "no sideways scroll"
