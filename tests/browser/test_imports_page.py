"""The import page in Chromium: the sales manager uploads a follow-up file with a wrong row, sees the problems
by row and column and that nothing was imported, then fixes the file and imports it."""

from __future__ import annotations

import csv
import io

import pytest

from dealerkpi.crm.models import FollowUp, Lead
from tests.browser.conftest import log_in, screenshot
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def follow_up_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["门店", "A卡", "顾问工号", "时间", "方式", "结果", "级别", "应跟进日期", "下次跟进日期", "备注"])
    writer.writerows(rows)
    return out.getvalue().encode("gbk")


def test_the_manager_sees_the_problems_then_imports(page) -> None:
    world = build_world()
    lead = Lead.objects.get(owner=world.staff["c1"], status=Lead.Status.OPEN)
    staff = world.staff["c1"].employee_no
    good = ["S1", f"A-{lead.pk}", staff, "2026-10-08 15:30", "电话", "已联系，仍在考虑", "H", "", "2026-10-15",
            "约周六来店"]
    bad = ["S1", f"A-{lead.pk}", staff, "2026-10-09 10:00", "传真", "已联系，仍在考虑", "H", "", "2026-10-16", ""]
    log_in(page, "m1")
    page.goto("/")
    page.locator("#menu a[href='/imports/']").click()
    form = page.get_by_test_id("import-form")
    form.locator("input[name=file]").set_input_files(
        {"name": "跟进记录.csv", "mimeType": "text/csv", "buffer": follow_up_file([good, bad])})
    form.locator("button[type=submit]").click()
    errors = page.get_by_test_id("error-table")
    errors.wait_for()
    assert errors.locator("tbody tr").count() == 1
    cells = errors.locator("tbody tr td")
    assert cells.nth(0).inner_text() == "3" and "方式" in cells.nth(1).inner_text()
    assert cells.nth(2).inner_text() == "传真"
    assert page.get_by_test_id("error-report").is_visible()
    screenshot(page, "imports-errors-desktop")
    assert not FollowUp.objects.filter(lead=lead, channel="phone", note="约周六来店").exists()

    form = page.get_by_test_id("import-form")
    form.locator("input[name=file]").set_input_files(
        {"name": "跟进记录.csv", "mimeType": "text/csv", "buffer": follow_up_file([good])})
    form.locator("button[type=submit]").click()
    page.get_by_test_id("import-done").wait_for()
    screenshot(page, "imports-done-desktop")
    assert FollowUp.objects.filter(lead=lead, note="约周六来店").exists()
    assert page.get_by_test_id("import-history").locator("tbody tr").count() == 2


def test_the_manager_saves_a_column_mapping_from_a_dms_export(page) -> None:
    world = build_world()
    out = io.StringIO()
    csv.writer(out).writerows([["门店", "合同编号", "客户手机", "颜色"], ["S1", "HT-1", "13900000001", "白"]])
    log_in(page, "m1")
    page.goto("/imports/")
    page.get_by_test_id("mappings-link").click()
    form = page.get_by_test_id("sample-form")
    form.locator("select[name=kind]").select_option("orders")
    form.locator("input[name=name]").fill("DMS 订单")
    form.locator("input[name=file]").set_input_files(
        {"name": "合同.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode("gbk")})
    form.locator("button[type=submit]").click()
    mapping = page.get_by_test_id("mapping-form")
    assert mapping.locator("select[name=target_0]").input_value() == "store"  # 门店 is the template's name
    assert mapping.locator("select[name=target_1]").input_value() == ""  # 合同编号 is the source's own
    mapping.locator("select[name=target_1]").select_option("order_no")
    mapping.locator("select[name=target_2]").select_option("mobile")
    screenshot(page, "imports-mapping-new-desktop")
    mapping.locator("button[type=submit]").click()
    listed = page.get_by_test_id("mappings")
    listed.wait_for()
    assert "合同编号" in listed.inner_text() and world.stores["S1"].name in listed.inner_text()
    screenshot(page, "imports-mappings-desktop")
