"""Issue 19's attendance in Chromium: the supervisor records a consultant's late clock-in on the month's attendance
sheet, the manager runs the month, and the plan deducts 50 for each late arrival after the second; the fine's line
on the statement opens the attendance records behind it. Screenshots of the sheet, the day's form and the
statement."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from dealerkpi.pay.models import Statement, StatementLine
from dealerkpi.people.attendance import Day, record_day
from dealerkpi.people.models import AttendanceRecord
from tests.browser.conftest import both_widths, log_in, screenshot
from tests.test_attendance import PLAN
from tests.world import world_with_consultant_plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_late_clock_in_is_recorded_and_the_months_run_deducts_it(page) -> None:
    world = world_with_consultant_plan(PLAN)  # fine: 50 per late arrival after the 2nd
    store, c1 = world.stores["S1"], world.staff["c1"]
    for day in (12, 13):  # two late days already on the sheet: free under the plan
        record_day(store, c1, datetime.date(2026, 10, day), Day(clock_in=datetime.time(8, 50)))

    log_in(page, "sup1")
    page.goto(f"/store/attendance/?store={store.pk}&month=2026-10")
    page.get_by_test_id("record-day").click()
    form = page.get_by_test_id("attendance-form")
    form.locator("select[name=staff]").select_option(str(c1.pk))
    form.locator("input[name=day]").fill("2026-10-14")
    form.locator("input[name=clock_in]").fill("09:10")
    form.locator("input[name=clock_out]").fill("17:45")
    screenshot(page, "attendance-day-form")
    form.locator("button[type=submit]").click()
    day = page.locator(f"[data-testid=attendance-sheet] tr[data-staff='{c1.pk}'] td[data-day='2026-10-14']")
    expect(day).to_have_text("迟40")  # 09:10 is 40 minutes after 08:30, beyond the 5 minutes of grace
    row = page.locator(f"[data-testid=attendance-sheet] tr[data-staff='{c1.pk}']")
    expect(row.locator("td[data-figure=late_arrivals]")).to_have_text("3")
    expect(row.locator("td[data-figure=minutes_late]")).to_have_text("80")  # 08:50 twice (20 each) + 40
    assert page.locator(f"tr[data-staff='{world.staff['c3'].pk}']").count() == 0, "c3 is not in the team"
    both_widths(page, f"/store/attendance/?store={store.pk}&month=2026-10", "attendance-sheet")

    log_in(page, "m1")
    page.goto("/pay/runs/")
    page.fill("input[name=month]", "2026-10")
    page.click("[data-testid=new-run] button")
    page.wait_for_selector("[data-testid=statements]")
    page.locator("[data-testid=statements] a", has_text="c1").click()
    fine = page.locator("[data-testid=lines] tr", has_text="迟到扣款")
    expect(fine.locator("td").nth(2)).to_have_text("-50.00")  # (3 late - 2 free) x 50
    screenshot(page, "attendance-fine-on-statement")
    fine.get_by_test_id("line-figure-late_arrivals").click()
    page.wait_for_selector("[data-testid=records]")
    assert page.locator("[data-testid=records] tbody tr").count() == 3, "the three late days"
    screenshot(page, "attendance-records-behind-fine")
    statement = Statement.objects.get(staff=c1)
    assert StatementLine.objects.get(statement=statement, rule="late").amount == -50
    assert AttendanceRecord.objects.filter(staff=c1, status="late").count() == 3
