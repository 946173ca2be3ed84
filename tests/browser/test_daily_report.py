"""The daily report in Chromium: the sales manager sends this morning's report with a remark, the GM reads it on
the home page and comments on it, head office sees it sent among its stores. Screenshots at desktop and phone
width; the phone pages must not scroll sideways (tables scroll inside their card)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealerkpi.reports.models import DailyReport
from tests.browser.conftest import both_widths, log_in
from tests.world import build_world, delivered_deal

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_manager_sends_the_daily_report_and_the_gm_comments(page, browser) -> None:
    world = build_world()
    world.staff["m1"].phone = "13800001111"
    world.staff["m1"].save()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    delivered_deal(world, "c1", timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(15))))

    log_in(page, "gm1")
    expect(page.get_by_test_id("home-report-missing")).to_be_visible()
    expect(page.get_by_test_id("call-manager")).to_have_attribute("href", "tel:13800001111")
    page.context.clear_cookies()

    log_in(page, "m1")
    page.get_by_test_id("nav-daily-report").first.click()
    page.wait_for_url("**/reports/daily/**")
    expect(page.locator("[data-testid=daily-yesterday] [data-figure=deliveries]")).to_have_attribute(
        "data-value", "1")
    form = page.get_by_test_id("daily-send-form")
    form.locator("textarea[name=remarks]").fill("昨日交车一台；今日重点跟进两位H级客户。")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("daily-remarks")).to_have_text("昨日交车一台；今日重点跟进两位H级客户。")
    both_widths(page, "/reports/daily/", "daily-report-manager")
    page.context.clear_cookies()

    log_in(page, "gm1")
    expect(page.get_by_test_id("home-report-remarks")).to_contain_text("今日重点跟进两位H级客户")
    both_widths(page, "/", "home-gm")
    page.get_by_test_id("home-open-report").click()
    comment = page.get_by_test_id("daily-comment-form")
    comment.locator("textarea[name=comment]").fill("H级客户今天务必邀约到店。")
    comment.locator("button[type=submit]").click()
    expect(page.get_by_test_id("daily-comment")).to_have_text("H级客户今天务必邀约到店。")
    report = DailyReport.objects.get(store=world.stores["S1"], day=timezone.localdate())
    assert (report.sent_by.name, report.commented_by.name) == ("m1", "gm1")
    both_widths(page, "/reports/daily/", "daily-report-gm")
    page.context.clear_cookies()

    log_in(page, "ho_group")
    expect(page.locator("tr[data-store=S1] [data-testid=store-report] a")).to_be_visible()
    both_widths(page, "/", "home-head-office")
