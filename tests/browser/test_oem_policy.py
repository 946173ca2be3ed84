"""The manufacturer's policy evaluated with its projected rebate, in Chromium: S1 sells the brand 远航 under a
commercial policy; c1 delivered three S7s on the first day of this month. The sales manager m1 opens the policy
page, enters the manufacturer's retail target (what three cars make at this pace) and the month's SSI score
through its forms, and reads the rebate projected for the month and the quarter and what one more S7 adds; each
figure on the page is the policy evaluated by the library for the same store and day. Head office sees S1 among
its stores. Screenshots at desktop and phone width."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dealerkpi.catalog.models import Brand
from dealerkpi.metrics.period import whole_days
from dealerkpi.oem.models import CommercialPolicy, ManufacturerScore, ManufacturerTarget
from dealerkpi.oem.policy import one_more_sale, pace, standings
from dealerkpi.org.models import Store
from dealerkpi.plans import engine
from tests.browser.conftest import log_in
from tests.browser.test_order_to_delivery import shoot_both_widths
from tests.world import build_world, delivered_deal

pytestmark = pytest.mark.django_db(transaction=True)

POLICY = """
plan: s1_policy
name: 远航商务政策
role: store
version: "2026"
period: month
policies: {division_by_zero: zero, missing_target: zero, missing_value: zero}
indicators:
  retail: {label: 零售完成率, metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
  csi: {label: 销售满意度, scoring: {kind: manual, max: 100}}
weights: {default: {retail: 70, csi: 30}}
pay:
  per_car: {label: 零售返利, kind: per_unit, amount: 800, by_model: {YH-S7: 1200}}
  scorecard: {label: 综合考核返利, kind: formula, amount: 100 * total_score}
gates:
  floor: {label: 零售未达80%, when: achievement.retail < 80, multiply: 0, applies_to: [commission, bonus]}
"""


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"


def test_a_policy_evaluated_with_its_projected_rebate(page: object) -> None:
    world = build_world()
    today = timezone.localdate()
    store = world.stores["S1"]
    brand = Brand.objects.get(code="YH")
    Store.objects.filter(pk=store.pk).update(brand=brand)
    CommercialPolicy.objects.create(group=store.region.group, brand=brand, valid_from=today.replace(day=1),
                                    document=POLICY)
    first_morning = timezone.make_aware(datetime.datetime.combine(today.replace(day=1), datetime.time(0, 30)))
    for _ in range(3):
        delivered_deal(world, "c1", first_morning)

    log_in(page, "m1")
    page.goto("/")  # type: ignore[attr-defined]
    page.click("[data-testid=nav-oem-policy]")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=oem-summary]")  # type: ignore[attr-defined]
    page.select_option("[data-testid=oem-target-form] select[name=figure]", "units_delivered")  # type: ignore
    target = int(3 * pace(whole_days(today)))  # the three cars at this pace: on target or just above it
    page.fill("[data-testid=oem-target-form] input[name=value]", str(target))  # type: ignore[attr-defined]
    page.click("[data-testid=oem-target-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    page.fill("[data-testid=oem-score-form] input[name=value]", "92")  # type: ignore[attr-defined]
    page.fill("[data-testid=oem-score-form] input[name=comment]", "厂家11月SSI报告")  # type: ignore[attr-defined]
    page.click("[data-testid=oem-score-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=oem-scores] >> text=92")  # type: ignore[attr-defined]
    assert ManufacturerTarget.objects.get(store=store, figure="units_delivered").value == target
    assert ManufacturerScore.objects.get(store=store, item="csi").value == 92
    assert page.get_by_test_id("oem-warnings").count() == 0  # type: ignore[attr-defined]

    standing = standings([Store.objects.get(pk=store.pk)], engine.Period(today.year, today.month), today)[store.pk]
    summary = page.get_by_test_id("oem-summary").inner_text()  # type: ignore[attr-defined]
    assert standing.month.rebate > 0  # on target: the floor does not take it back
    assert _money(standing.month.rebate) in summary
    assert _money(standing.quarter_rebate) in summary
    s7 = one_more_sale(standing, [world.trim.vehicle_model])[0]
    row = page.locator("[data-testid=oem-one-more] tr[data-model='YH-S7']").inner_text()  # type: ignore
    assert _money(s7.month) in row and _money(s7.quarter) in row
    lines = page.get_by_test_id("oem-lines").inner_text()  # type: ignore[attr-defined]
    assert "零售返利" in lines and "综合考核返利" in lines
    shoot_both_widths(page, "oem-policy")

    log_in(page, "ho_group")
    page.goto("/manufacturer/stores/?sort=month")  # type: ignore[attr-defined]
    row = page.locator(f"[data-testid=oem-stores] tr[data-store='{store.code}']").inner_text()  # type: ignore
    assert _money(standing.month.rebate) in row
    shoot_both_widths(page, "oem-stores")
