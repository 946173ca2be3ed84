"""The store's routines in Chromium: the manager records a complaint and resolves it, a consultant records a
competitor price, the manager fills in today's checklist and the morning meeting notes. Screenshots of each
page at desktop and phone width."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealerkpi.crm.models import Complaint
from dealerkpi.market.models import CompetitorPrice
from dealerkpi.people.models import DailyChecklist, MeetingNote
from tests.browser.conftest import both_widths, log_in, screenshot
from tests.world import World, build_world

pytestmark = pytest.mark.django_db(transaction=True)


def overdue_complaint(world: World) -> Complaint:
    received = timezone.now() - datetime.timedelta(days=6)
    return Complaint.objects.create(store=world.stores["S1"], channel="social_media", is_major=True,
                                    summary="抖音差评：试驾车内有异味", received_at=received,
                                    due_on=timezone.localdate() - datetime.timedelta(days=4),
                                    about_staff=world.staff["c2"], handler=world.staff["sup1"])


def test_the_manager_records_a_complaint_and_resolves_it(page) -> None:
    world = build_world()
    late = overdue_complaint(world)
    log_in(page, "m1")
    page.goto("/complaints/")
    page.get_by_test_id("new-complaint").click()
    form = page.get_by_test_id("complaint-form")
    form.locator("select[name=channel]").select_option("oem_hotline")
    form.locator("input[name=summary]").fill("厂家400热线：交车后未回访")
    form.locator("select[name=about_staff]").select_option(label=str(world.staff["c1"]))
    form.locator("select[name=handler]").select_option(label=str(world.staff["m1"]))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/complaints/*/")
    recorded = Complaint.objects.get(summary="厂家400热线：交车后未回访")
    assert recorded.due_on == timezone.localtime(recorded.received_at).date() + datetime.timedelta(days=7)

    update = page.get_by_test_id("complaint-update")
    update.locator("select[name=status]").select_option("resolved")
    update.locator("button[type=submit]").click()
    expect(page.locator(".errors").first).to_be_visible()  # the resolution is missing (waits for the page)
    update = page.get_by_test_id("complaint-update")
    update.locator("textarea[name=resolution]").fill("已致电客户道歉，补做交车回访")
    update.locator("button[type=submit]").click()
    page.wait_for_load_state()
    recorded.refresh_from_db()
    assert recorded.status == "resolved" and recorded.resolved_at is not None
    assert page.get_by_test_id("history").locator("tbody tr").count() == 2
    screenshot(page, "complaint-detail-desktop")

    page.goto("/complaints/")
    rows = page.get_by_test_id("complaints").locator("tbody tr")
    flags = [(row.get_attribute("data-complaint"), row.get_attribute("class") == "overdue") for row in rows.all()]
    assert (str(late.pk), True) in flags and (str(recorded.pk), False) in flags
    assert [overdue for _pk, overdue in flags] == sorted((overdue for _pk, overdue in flags), reverse=True)
    both_widths(page, "/complaints/", "complaints-list")


def test_a_consultant_records_a_competitor_price(page) -> None:
    build_world()
    log_in(page, "c1")
    page.goto("/market/competitors/")
    form = page.get_by_test_id("competitor-form")
    form.locator("select[name=competitor_model]").select_option(label="对手 X5")
    form.locator("input[name=price]").fill("208800")
    form.locator("input[name=offer]").fill("现金优惠1.2万，送两年保养")
    form.locator("input[name=source]").fill("懂车帝")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    recorded = CompetitorPrice.objects.get(offer="现金优惠1.2万，送两年保养")
    assert recorded.reported_by.name == "c1"
    row = page.get_by_test_id("competitor-summary").locator("tr[data-model=RV-X5]")
    assert "208,800.00" in row.inner_text()  # amounts grouped by thousands
    both_widths(page, "/market/competitors/", "competitor-intel")


def test_the_manager_fills_todays_checklist_and_the_morning_meeting_notes(page) -> None:
    world = build_world()
    log_in(page, "m1")
    page.goto("/store/checklist/")
    form = page.get_by_test_id("checklist-form")
    for item in ("showroom_clean", "display_cars_clean", "demo_cars_ready", "brochures_stocked", "lounge_clean"):
        form.locator(f"input[name={item}]").check()
    form.locator("textarea[name=notes]").fill("前台 9:10 才到岗；试驾车 2 号需加油")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    checklist = DailyChecklist.objects.get(store=world.stores["S1"], day=timezone.localdate())
    assert (checklist.items_done, checklist.checked_by.name) == (5, "m1")
    assert page.get_by_test_id("gaps").inner_text().startswith("29")
    both_widths(page, "/store/checklist/", "daily-checklist")

    page.goto("/store/meetings/")
    form = page.get_by_test_id("meeting-form")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert yesterday.isoformat() in form.locator("textarea[name=summary]").input_value()
    form.locator("textarea[name=today_arrangement]").fill("c1 上午交车 1 台；c2、c3 回访 H 级客户；下午 3 点试驾活动")
    for name in ("c1", "c2", "c3"):
        form.get_by_label(str(world.staff[name])).check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    note = MeetingNote.objects.get(store=world.stores["S1"])
    assert (note.kind, note.author.name, note.attendees.count()) == ("morning", "m1", 3)
    both_widths(page, "/store/meetings/", "meeting-notes")
