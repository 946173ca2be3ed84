"""A spiff published mid-month and paid in the month's run, in Chromium: the sales manager publishes today's sales
policy of the S7 trim and a spiff of 500 yuan a car on the S7 for a week; the consultant sees both on the desk's
today page at phone width; a car c1 shares 50/50 with c2 is delivered; the month's run pays c1 250 on a spiff line
whose deal opens the delivery; the run page shows what the spiff adds to the store's pay."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.models import Statement
from dealerkpi.plans.engine import Period
from dealerkpi.sales.models import SalesPolicy, Spiff
from tests.browser.conftest import log_in
from tests.browser.test_order_to_delivery import shoot_both_widths
from tests.test_runs import PLAN
from tests.world import delivered_deal, world_with_consultant_plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_spiff_published_mid_month_is_paid_in_the_months_run(page: object) -> None:
    world = world_with_consultant_plan(PLAN)
    today = timezone.localdate()

    log_in(page, "m1")
    page.goto("/desk/policy/")  # type: ignore[attr-defined]
    page.select_option("select[name=policy-trim]", str(world.trim.pk))  # type: ignore[attr-defined]
    page.fill("input[name=policy-valid_from]", str(today))  # type: ignore[attr-defined]
    page.fill("input[name=policy-valid_to]", str(today))  # type: ignore[attr-defined]
    page.fill("input[name=policy-discount_ceiling]", "12000")  # type: ignore[attr-defined]
    page.fill("input[name=policy-gifts]", "行车记录仪")  # type: ignore[attr-defined]
    page.fill("input[name=policy-finance_offer]", "首付两成，两年0息")  # type: ignore[attr-defined]
    page.click("button[name=policy]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    assert SalesPolicy.objects.get().discount_ceiling == Decimal("12000")
    page.fill("input[name=spiff-title]", "本周S7每台加500")  # type: ignore[attr-defined]
    page.select_option("select[name=spiff-vehicle_model]", str(world.trim.vehicle_model_id))  # type: ignore
    page.fill("input[name=spiff-valid_from]", str(today))  # type: ignore[attr-defined]
    page.fill("input[name=spiff-valid_to]", str(today + datetime.timedelta(days=6)))  # type: ignore[attr-defined]
    page.fill("input[name=spiff-amount]", "500")  # type: ignore[attr-defined]
    page.click("button[name=spiff]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    spiff = Spiff.objects.get()
    assert (spiff.published_by, spiff.amount) == (world.staff["m1"], Decimal("500"))
    shoot_both_widths(page, "sales-policy")

    log_in(page, "c1")
    page.goto("/desk/")  # type: ignore[attr-defined]
    today_policy = page.get_by_test_id("policy-today").inner_text()  # type: ignore[attr-defined]
    assert "行车记录仪" in today_policy and "本周S7每台加500" in today_policy
    shoot_both_widths(page, "desk-today-policy")

    delivery = delivered_deal(world, "c1", timezone.now(), {"c1": 50, "c2": 50})
    run = runs.compute(runs.new_run(world.stores["S1"], Period(today.year, today.month)))
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    statement = Statement.objects.get(run=run, staff=world.staff["c1"])

    page.goto(f"/pay/statements/{statement.pk}/")  # type: ignore[attr-defined]
    line = page.locator("tr", has_text="本周S7每台加500")  # type: ignore[attr-defined]
    assert "250.00" in line.inner_text()  # half of the car at 500 a car
    line.locator("summary").click()
    line.locator(f"a[href*='/deliveries/{delivery.pk}']").click()
    page.wait_for_url(f"**/deliveries/{delivery.pk}/")  # type: ignore[attr-defined]

    log_in(page, "gm1")
    page.goto(f"/pay/runs/{run.pk}/")  # type: ignore[attr-defined]
    spiffs = page.get_by_test_id("run-spiffs").inner_text()  # type: ignore[attr-defined]
    assert "本周S7每台加500" in spiffs and "500.00" in spiffs  # c1 250 + c2 250
    shoot_both_widths(page, "run-spiffs")
