"""A fault's way in Chromium, and the deduction on the statement: sup1 records c1's late arrival with the
attendance screenshot as evidence; m1 finds it in the approvals inbox and approves it; c1 appeals it; gm1 finds the
appeal in the inbox and upholds it. October's run then deducts it: the fault-points indicator scores
100 - 10 x (2 + 5) = 30 and the fine takes 50 + 200 = 250 yuan; the indicator's figure opens c1's faults, and the
new one's page. Screenshots of the register, the fault page and the inbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dealerkpi.conduct.models import Fault
from dealerkpi.org.models import Store
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement
from dealerkpi.plans.engine import Period
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_order_to_delivery import shoot_both_widths
from tests.world import world_with_consultant_plan

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PLAN = """
plan: conduct_consultant
name: 顾问方案
role: consultant
version: "c1"
period: month
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume: {label: 销量, metric: units_delivered, target: 2, scoring: {kind: linear, cap: 120}}
  conduct:
    label: 过失扣分
    metric: fault_points
    direction: lower
    scoring: {kind: deductions, per_incident: 10, floor: 0}
weights:
  default: {volume: 80, conduct: 20}
base_pay:
  - {amount: 1200}
pay:
  fault_fine: {label: 过失罚款, kind: fine, count: fault_amount, amount: 1}
"""


def decide(page: object, action: str, decision: str, reason: str) -> None:
    form = page.locator(f"[data-testid={action}-form]")  # type: ignore[attr-defined]
    form.locator("select[name=decision]").select_option(decision)
    form.locator("input[name=reason]").fill(reason)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]


def test_a_fault_recorded_approved_appealed_upheld_and_deducted(page: object, tmp_path) -> None:
    world = world_with_consultant_plan(PLAN)  # c1 already has an approved fault on 9 October: 2 points, 50 yuan
    c1 = world.staff["c1"]
    evidence = tmp_path / "考勤截图.pdf"
    evidence.write_bytes(PDF)

    log_in(page, "sup1")
    page.goto("/store/faults/")  # type: ignore[attr-defined]
    page.click("[data-testid=new-fault]")  # type: ignore[attr-defined]
    form = page.locator("[data-testid=fault-form]")  # type: ignore[attr-defined]
    form.locator("select[name=staff]").select_option(str(c1.pk))
    form.locator("select[name=fault_type]").select_option(label="晨会迟到")
    form.locator("input[name=day]").fill("2026-10-20")
    form.locator("input[name=points]").fill("5")
    form.locator("input[name=amount]").fill("200")
    form.locator("textarea[name=description]").fill("晨会迟到40分钟，未请假")
    form.locator("input[name=evidence_file]").set_input_files(str(evidence))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=fault-status]")  # type: ignore[attr-defined]
    fault = Fault.objects.get(description="晨会迟到40分钟，未请假")
    assert (fault.status, fault.points, fault.amount) == (Fault.Status.PROPOSED, 5, Decimal("200.00"))

    log_in(page, "m1")
    page.goto("/approvals/")  # type: ignore[attr-defined]
    page.click(f"[data-testid=inbox-faults] tr[data-fault='{fault.pk}'] a")  # type: ignore[attr-defined]
    decide(page, "decide", "approved", "考勤机记录属实")
    assert page.get_by_test_id("fault-status").get_attribute("data-status") == "approved"  # type: ignore

    log_in(page, "c1")
    page.goto("/store/faults/")  # type: ignore[attr-defined]
    shoot_both_widths(page, "faults-register")
    page.click(f"tr[data-fault='{fault.pk}'] a")  # type: ignore[attr-defined]
    page.fill("[data-testid=appeal-form] textarea[name=grounds]", "当天8点去车管所为客户上牌，经理口头同意")  # type: ignore
    page.click("[data-testid=appeal-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    assert page.get_by_test_id("fault-status").get_attribute("data-status") == "appealed"  # type: ignore

    log_in(page, "gm1")
    page.goto("/approvals/")  # type: ignore[attr-defined]
    assert "车管所" in page.locator("[data-testid=inbox-fault-appeals]").inner_text()  # type: ignore[attr-defined]
    shoot_both_widths(page, "faults-appeal-inbox")
    page.click(f"[data-testid=inbox-fault-appeals] tr[data-fault='{fault.pk}'] a")  # type: ignore[attr-defined]
    decide(page, "decide_appeal", "upheld", "上牌是下午，迟到属实")
    assert page.get_by_test_id("fault-status").get_attribute("data-status") == "upheld"  # type: ignore
    shoot_both_widths(page, "fault-detail")

    run = runs.compute(runs.new_run(Store.objects.get(code="S1"), Period(2026, 10)))
    statement = Statement.objects.get(run=run, staff=c1)
    log_in(page, "m1")
    page.goto(f"/pay/statements/{statement.pk}/")  # type: ignore[attr-defined]
    row = page.locator("[data-testid=lines] tbody tr", has_text="过失罚款")  # type: ignore[attr-defined]
    assert row.locator("td.num").inner_text().strip() == "-250.00"  # 50 + 200 yuan, 1 yuan of fine per yuan
    conduct = page.locator("[data-testid=indicators] tr", has_text="过失扣分")  # type: ignore[attr-defined]
    assert conduct.locator("td.num").nth(3).inner_text().strip() == "30.00"  # 100 - 10 x (2 + 5 points)
    screenshot(page, "fault-statement")
    page.click("[data-testid=figure-conduct]")  # type: ignore[attr-defined]
    listed = page.locator("main a[href*='/records/faults/']")  # type: ignore[attr-defined]
    expect(listed).to_have_count(2)
    assert "过失扣分: 7.00" in page.locator("main").inner_text()  # type: ignore[attr-defined]
    page.click(f"a[href$='/faults/{fault.pk}/']")  # type: ignore[attr-defined]
    assert "晨会迟到40分钟" in page.locator("main").inner_text()  # type: ignore[attr-defined]
