"""Issue 4's walk-through in Chromium on generated data: the manager runs October, enters two manual
ratings and submits; the GM approves; the consultant's statement adds up and a figure opens its
deliveries; HR downloads payroll."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from dealerkpi.org.models import Role, Staff
from dealerkpi.pay.models import Run, Statement
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)
PLAN_NAME = re.compile(r"[A-Za-z]\w*_\w+|\b(?:target|team|quarter|year)\.\w")  # test_drive_factor, target.x


def login_of(role: str) -> str:
    staff = Staff.objects.filter(role=role, leave_date__isnull=True).order_by("employee_no").first()
    return staff.user.username


def shown(status: Run.Status) -> str:
    with translation.override("zh-hans"):
        return str(status.label)


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "").strip())


def test_month_end_from_run_to_payroll(page, tmp_path) -> None:
    call_command("generate", scale="S", stores=1, months=2, seed=7, until=datetime.date(2026, 11, 15))
    log_in(page, login_of(Role.SALES_MANAGER))
    page.goto("/pay/runs/")
    page.fill("input[name=month]", "2026-10")
    page.click("[data-testid=new-run] button")
    page.wait_for_selector("[data-testid=statements]")
    screenshot(page, "run-draft")
    run = Run.objects.get()
    rated = list(Statement.objects.filter(run=run, plan_version__plan__role=Role.CONSULTANT)
                 .order_by("staff__employee_no")[:2])
    page.click(f"a[href='/pay/runs/{run.pk}/inputs/']")
    for statement, value in zip(rated, ("9", "6"), strict=True):
        page.select_option("[data-testid=rating-form] select[name=staff]", str(statement.staff_id))
        page.select_option("[data-testid=rating-form] select[name=indicator]", "showroom")
        page.fill("[data-testid=rating-form] input[name=value]", value)
        page.fill("[data-testid=rating-form] input[name=comment]", "展厅接待检查")
        page.click("[data-testid=rating-form] button")
        page.wait_for_selector(".messages")
    screenshot(page, "run-ratings")
    page.goto(f"/pay/runs/{run.pk}/")
    page.click(f"form[action='/pay/runs/{run.pk}/recompute/'] button")
    page.wait_for_selector("[data-testid=submit]")
    page.click("[data-testid=submit]")
    expect(page.get_by_test_id("run-status")).to_have_text(shown(Run.Status.SUBMITTED))
    latest = Run.objects.order_by("-number").first()
    assert latest.number == 2

    log_in(page, login_of(Role.GENERAL_MANAGER))
    page.goto(f"/pay/runs/{latest.pk}/")
    page.click("[data-testid=approve]")
    expect(page.get_by_test_id("run-status")).to_have_text(shown(Run.Status.APPROVED))

    consultant = rated[0].staff
    log_in(page, consultant.user.username)
    page.goto("/pay/statements/")
    page.click("[data-testid=my-statements] a >> nth=0")
    expect(page.get_by_test_id("lines")).to_be_visible()  # the statement, not the list it was opened from
    lines = page.locator("[data-testid=lines] tbody tr td:nth-child(3)").all_inner_texts()
    assert sum(amount(text) for text in lines) == amount(page.get_by_test_id("total").inner_text())
    assert "展厅接待检查" in page.content(), "the manager's rating and reason are on the statement"
    read = page.locator("main").inner_text()  # what the consultant reads: the calculation details are closed
    assert PLAN_NAME.search(read) is None, f"a name of the plan in the explanations: {PLAN_NAME.search(read)}"
    assert "试驾系数" in read and page.locator("details.workings[open]").count() == 0
    page.locator("[data-testid=lines] tr", has_text="试驾系数").locator("details.workings summary").click()
    assert "test_drive_factor" in page.locator("main").inner_text(), "opened, the details show the plan's names"
    screenshot(page, "consultant-statement")
    question = page.locator("button[data-query-line]").first
    question.click()
    assert page.input_value("#query-line") == question.get_attribute("data-query-line"), "the question names the line"
    units = page.get_by_test_id("figure-volume")
    units_shown = amount(units.inner_text())
    units.click()
    page.wait_for_selector("[data-testid=records]")
    assert page.locator("[data-testid=records] tbody tr").count() >= units_shown, "every credited delivery is listed"
    screenshot(page, "consultant-deliveries-behind-units")

    log_in(page, login_of(Role.HR))
    page.goto(f"/pay/runs/{latest.pk}/")
    with page.expect_download() as download:
        page.click("[data-testid=payroll-xlsx]")
    saved = tmp_path / "payroll.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet.max_row - 1 >= Statement.objects.filter(run=latest).count()
