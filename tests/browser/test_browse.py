"""A consultant and a sales manager use the browse pages in Chromium, at desktop and phone width."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.browser.conftest import PHONE, log_in, screenshot
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_consultant_sees_their_day_and_only_their_leads(page) -> None:
    world = build_world()
    log_in(page, "c1")
    assert page.get_by_test_id("who").inner_text().startswith("c1")
    assert page.get_by_test_id("my-day").is_visible()
    screenshot(page, "consultant-home-desktop")
    page.goto("/records/leads/")
    rows = page.locator("table.records tbody tr")
    assert rows.count() == world.staff["c1"].leads.count()
    page.locator("table.records tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/leads/\d+/$"))
    assert "跟进" in page.content()
    screenshot(page, "consultant-lead-detail")
    page.set_viewport_size(PHONE)
    page.goto("/")
    screenshot(page, "consultant-home-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, "no sideways scroll"


def test_manager_sees_the_store_funnel_and_switches_to_english(page) -> None:
    build_world()
    log_in(page, "m1")
    funnel = page.get_by_test_id("funnel")
    names = set(funnel.locator("tbody td:first-child").all_inner_texts())
    assert names == {"c1", "c2", "c3"}
    screenshot(page, "manager-home-zh")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.get_by_role("button", name="Log out").is_visible()
    page.goto("/records/orders/")
    assert page.locator("h1").inner_text() == "Orders"
    screenshot(page, "manager-orders-en")


def test_a_consultant_exports_the_filtered_list_of_their_cards(page) -> None:
    world = build_world()
    log_in(page, "c1")
    page.goto("/records/leads/?status=lost")
    shown = page.locator("table.records tbody tr").count()
    with page.expect_download() as waiting:
        page.get_by_test_id("export-csv").click()
    download = waiting.value
    assert download.suggested_filename.startswith("leads-") and download.suggested_filename.endswith(".csv")
    lines = open(download.path(), encoding="utf-8-sig").read().strip().splitlines()  # noqa: SIM115, PTH123
    assert lines[0].startswith("编号,") and len(lines) - 1 == shown == world.staff["c1"].leads.filter(
        status="lost").count()
    assert page.get_by_test_id("export-audited").is_visible()  # it names people: said beside the links


def test_a_manager_sorts_the_orders_by_price_and_exports_them_in_that_order(page) -> None:
    build_world()
    log_in(page, "m1")
    page.goto("/records/orders/")
    with page.expect_navigation():
        page.locator("table.records thead th.orderable a", has_text="成交价").click()  # ascending, then
    with page.expect_navigation():
        page.locator("table.records thead th.orderable a", has_text="成交价").click()  # descending
    assert "sort=-price" in page.url
    rows = page.locator("table.records tbody tr")
    shown = {rows.nth(n).locator("td").first.inner_text(): rows.nth(n).locator("td").nth(6).inner_text()
             for n in range(rows.count())}  # number: price (the seventh column)
    assert page.get_by_test_id("export-csv").inner_text() == "CSV 文件（.csv）"
    screenshot(page, "manager-orders-sorted-by-price")
    with page.expect_download() as waiting:
        page.get_by_test_id("export-csv").click()
    lines = open(waiting.value.path(), encoding="utf-8-sig").read().strip().splitlines()  # noqa: SIM115, PTH123
    exported = [line.split(",") for line in lines[1:]]
    assert lines[0].split(",")[6] == "车辆成交价" and {row[0] for row in exported} == set(shown)
    prices = [Decimal(row[6]) for row in exported]
    assert prices == sorted(prices, reverse=True) and prices[0] > prices[-1]  # the page's order: 219,800 first
    assert prices == [Decimal(shown[row[0]].replace(",", "")) for row in exported]
