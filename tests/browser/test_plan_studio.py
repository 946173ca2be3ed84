"""Issue 13's "done when", in Chromium, as the people who do it: the sales manager reads the store's consultant
plan, changes a tier in the form, tries the draft on the store's last year and reads its totals, proposes it; the
general manager reads plan health and approves it, which publishes it; a consultant confirms the new version and
reads a statement whose explanations contain no name of the plan."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone

from dealerkpi.plans.models import Plan, PlanConfirmation
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.replay import default_months
from dealerkpi.studio.whatif import what_if
from tests.browser.conftest import log_in, screenshot
from tests.test_statement_words import CONSULTANT, assert_no_name_of_the_plan, plan_names, submitted, world_of

pytestmark = pytest.mark.django_db(transaction=True)
TIER = "input[data-path='pay.volume_award.tiers.1.amount']"


def shown(amount: Decimal) -> str:
    return intcomma(f"{amount:.2f}")


def sign_in_as(page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username)


def test_a_tier_changed_tried_on_last_year_approved_published_and_confirmed(page) -> None:
    world = world_of(CONSULTANT)
    plan = Plan.objects.get(code="consultant")
    plan.store = world.stores["S1"]  # the store's own plan: its general manager approves it
    plan.save()
    statement = submitted(world)

    sign_in_as(page, "m1")
    page.goto(f"/plans/{plan.pk}/")
    assert page.locator("[data-testid=section-pay]").is_visible(), "the manager reads the plan as a document"
    with page.expect_navigation():
        page.click("[data-testid=start-draft] button")
    draft = PlanDraft.objects.get(plan=plan)
    page.click("[data-testid=edit-form]")
    page.locator(TIER).fill("250")
    with page.expect_navigation():
        page.click("[data-testid=save-form]")
    assert "250" in page.locator(".messages").inner_text()

    page.goto(f"/studio/drafts/{draft.pk}/")
    page.click("[data-testid=what-if]")
    page.wait_for_selector("[data-testid=whatif-totals]")
    draft.refresh_from_db()
    totals = what_if(draft, [world.stores["S1"]], default_months(timezone.localdate())).totals
    assert page.inner_text("[data-testid=total-old]") == shown(totals.old)
    assert page.inner_text("[data-testid=total-new]") == shown(totals.new)
    screenshot(page, "studio-done-whatif")
    page.goto(f"/studio/drafts/{draft.pk}/")
    page.fill("[data-testid=propose-form] input[name=note]", "第二档单车奖提高到 250 元")
    with page.expect_navigation():
        page.click("[data-testid=propose]")
    draft.refresh_from_db()
    assert draft.status == PlanDraft.Status.PROPOSED

    sign_in_as(page, "gm1")
    page.goto("/approvals/")
    page.click(f"[data-testid=inbox-plan-drafts] a[href='/studio/drafts/{draft.pk}/']")
    page.wait_for_selector("[data-testid=plan-health]")  # plan health, checked on last year before approving
    screenshot(page, "studio-done-approve")
    page.fill("textarea[name=comment]", "同意，明年起执行")
    with page.expect_navigation():
        page.click("[data-testid=approve]")
    draft.refresh_from_db()
    assert draft.status == PlanDraft.Status.PUBLISHED
    version = draft.published_version
    assert version.number == 2 and "amount: 250}" in version.document and version.note == "第二档单车奖提高到 250 元"
    assert page.locator("[data-testid=published-as]").is_visible()

    sign_in_as(page, "c1")
    page.goto(f"/plans/{plan.pk}/?v={version.number}")
    with page.expect_navigation():
        page.click("[data-testid=confirm-form] button")
    assert PlanConfirmation.objects.filter(plan_version=version, staff=world.staff["c1"]).exists()
    assert page.locator("[data-testid=my-confirmation]").is_visible()
    page.goto(f"/pay/statements/{statement.pk}/")
    words = page.inner_text("main")  # what the consultant reads: the folded details are not shown
    assert_no_name_of_the_plan(words, plan_names(statement))
    screenshot(page, "studio-done-statement")
