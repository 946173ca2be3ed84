"""The sales team's people in Chromium: the manager records a consultant's leaving and hands the open A-cards over
in one step (one card to a chosen colleague each), then reads the store's attrition and follows the attrition
figure of their statement to the leaver's departure record; HR opens a position, adds a
candidate with a CV, the manager interviews, HR offers and hires; the supervisor ticks the new consultant's
onboarding, the supervisor and the manager review the probation and the manager confirms it. Screenshots at
desktop and phone width."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealerkpi.crm.models import Lead
from dealerkpi.org.models import Staff
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement
from dealerkpi.people.models import Departure, OnboardingItem, Probation
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, publish_version
from tests.browser.conftest import both_widths, log_in, screenshot
from tests.test_people import MANAGER_PLAN
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_leavers_cards_are_handed_over_and_the_attrition_shows_it(page) -> None:
    world = build_world()
    leaver, store = world.staff["c1"], world.stores["S1"]
    cards = list(Lead.objects.filter(owner=leaver, status="open").values_list("pk", flat=True))
    assert cards
    log_in(page, "m1")
    page.goto(f"/store/staff/?store={store.pk}")
    page.get_by_test_id(f"record-leaving-{leaver.pk}").click()
    form = page.get_by_test_id("departure-form")
    form.locator("select[name=reason]").select_option("competitor_offer")
    form.locator("input[name=competitor]").fill("比亚迪 园区店")
    form.locator("button[type=submit]").click()
    expect(page.locator(".errors").first).to_be_visible()  # an offer from a competitor is a choice: tick voluntary
    form = page.get_by_test_id("departure-form")
    form.locator("input[name=voluntary]").check()
    form.locator("input[name=how][value=each]").check()
    for card in cards:
        form.locator(f"select[name=card_{card}]").select_option(label=str(world.staff["c3"]))
    screenshot(page, "departure-form-desktop")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/store/staff/**")
    expect(page.get_by_test_id("departures").locator("tbody tr")).to_have_count(1)
    departure = Departure.objects.get(staff=leaver)
    assert departure.voluntary and departure.cards_handed_over == len(cards)
    assert set(Lead.objects.filter(pk__in=cards).values_list("owner__name", flat=True)) == {"c3"}
    assert Staff.objects.get(pk=leaver.pk).leave_date == timezone.localdate()
    both_widths(page, f"/store/staff/?store={store.pk}", "store-staff")

    page.goto(f"/store/attrition/?store={store.pk}")
    reasons = page.get_by_test_id("attrition-reasons")
    expect(reasons).to_contain_text("竞品挖角")
    expect(page.get_by_test_id("attrition-leavers").locator("tbody tr")).to_have_count(1)
    both_widths(page, f"/store/attrition/?store={store.pk}", "attrition")

    today = timezone.localdate()
    plan = Plan.objects.create(group=store.region.group, code="mgr", name="经理方案", role="sales_manager")
    publish_version(plan, MANAGER_PLAN, today.replace(day=1))
    run = runs.compute(runs.new_run(store, Period(today.year, today.month)))
    statement = Statement.objects.get(run=run, staff=world.staff["m1"])
    page.goto(f"/pay/statements/{statement.pk}/")
    page.get_by_test_id("figure-attrition").click()
    page.wait_for_url(f"**/statements/{statement.pk}/**")
    screenshot(page, "statement-attrition-records-desktop")
    page.get_by_test_id("records").locator(f"a[href$='/records/departures/{departure.pk}/']").first.click()
    page.wait_for_url(f"**/records/departures/{departure.pk}/")
    expect(page.locator("main")).to_contain_text("比亚迪 园区店")
    screenshot(page, "departure-record-desktop")


def test_a_position_is_filled_and_the_new_consultant_onboarded_and_confirmed(page) -> None:
    world = build_world()
    store = world.stores["S1"]
    hired = timezone.localdate() - datetime.timedelta(days=88)  # the first day agreed in the offer, long enough ago

    log_in(page, "hr1")
    page.goto(f"/store/recruiting/?store={store.pk}")
    page.get_by_test_id("new-position").click()
    form = page.get_by_test_id("position-form")
    form.locator("select[name=role]").select_option("consultant")
    form.locator("select[name=team]").select_option(str(world.teams["T1"].pk))
    form.locator("select[name=reason]").select_option("growth")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/store/positions/*/")
    form = page.get_by_test_id("candidate-form")
    form.locator("input[name=name]").fill("王新")
    form.locator("input[name=phone]").fill("13612345678")
    form.locator("select[name=source]").select_option("referral")
    form.locator("input[name=cv_file]").set_input_files(
        {"name": "简历.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"})
    form.locator("button[type=submit]").click()
    page.get_by_test_id("candidates").get_by_role("link", name="王新").click()
    interview = page.get_by_test_id("interview-form")
    for name in ("product_knowledge", "communication", "sales_drive", "presentation"):
        interview.locator(f"input[name={name}]").fill("4")
    interview.locator("input[name=recommend]").check()
    interview.locator("textarea[name=notes]").fill("沟通流畅，有汽车销售经验")
    interview.locator("button[type=submit]").click()
    expect(page.get_by_test_id("interviews").locator("tbody tr")).to_have_count(1)
    offer = page.get_by_test_id("offer-form")
    offer.locator("input[name=offer_salary]").fill("4500")
    offer.locator("input[name=start_on]").fill(hired.isoformat())
    offer.locator("button[type=submit]").click()
    page.get_by_test_id("hire-form").locator("input[name=employee_no]").fill("N0001")
    page.get_by_test_id("hire-form").locator("button[type=submit]").click()
    expect(page.locator("[data-stage=hired]")).to_be_visible()
    person = Staff.objects.get(employee_no="N0001")
    assert (person.hire_date, person.store, person.role) == (hired, store, "consultant")
    page.goto(f"/store/recruiting/?store={store.pk}")
    expect(page.get_by_test_id("positions").locator("[data-funnel='1 1 1 1']")).to_have_count(1)
    both_widths(page, f"/store/recruiting/?store={store.pk}", "recruiting")

    page.context.clear_cookies()
    log_in(page, "sup1")
    page.goto(f"/store/newcomers/?store={store.pk}")
    row = page.get_by_test_id("newcomers").locator(f"tr[data-staff='{person.pk}']")
    expect(row.locator("[data-overdue-step]")).to_have_count(6)  # hired 88 days ago: every step is late
    expect(page.get_by_test_id("overdue-steps")).to_be_visible()
    for item in OnboardingItem.objects.filter(staff=person).order_by("due_on"):
        page.get_by_test_id(f"tick-{item.pk}").click()
        page.wait_for_load_state()
    expect(row.locator("[data-overdue-step]")).to_have_count(0)
    assert not OnboardingItem.objects.filter(staff=person, done_on__isnull=True).exists()
    probation = Probation.objects.get(staff=person)
    page.get_by_test_id(f"probation-{person.pk}").click()
    review = page.get_by_test_id("review-form")
    review.locator("select[name=point]").select_option("final")
    review.locator("input[name=score]").fill("4")
    review.locator("textarea[name=notes]").fill("跟进及时，已独立交车")
    review.locator("button[type=submit]").click()
    expect(page.get_by_test_id("reviews").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("decision-form")).to_have_count(0)  # the supervisor reviews, a manager decides

    page.context.clear_cookies()
    log_in(page, "m1")
    page.goto(f"/store/probation/{probation.pk}/")
    review = page.get_by_test_id("review-form")
    review.locator("select[name=point]").select_option("final")
    review.locator("input[name=score]").fill("5")
    review.locator("textarea[name=notes]").fill("同意转正")
    review.locator("button[type=submit]").click()
    expect(page.get_by_test_id("reviews").locator("tbody tr")).to_have_count(2)
    decision = page.get_by_test_id("decision-form")
    decision.locator("input[name=decision][value=confirm]").check()
    decision.locator("button[type=submit]").click()
    expect(page.locator("[data-status=confirmed]")).to_be_visible()
    probation.refresh_from_db()
    assert probation.status == "confirmed" and probation.decided_by == world.staff["m1"]
    both_widths(page, f"/store/probation/{probation.pk}/", "probation")
