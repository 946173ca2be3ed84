"""The consultant's day in Chromium: the today page, an A-card (with the duplicate warning), a follow-up in two
clicks from the list, a test drive booked, started and ended; then a lost sale approved by the supervisor.
Screenshots of the today page, the A-card form, the test-drive board and the team board, desktop and phone."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.crm.models import Customer, FollowUp, Lead, LostSale
from dealerkpi.crm.models import TestDrive as Drive
from dealerkpi.crm.services import create_default_grades
from tests.browser.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.world import World, build_world

pytestmark = pytest.mark.django_db(transaction=True)

TAKEN = "13912345678"


def _card(world: World, key: str, name: str, phone: str, grade: str = "A") -> Lead:
    staff = world.staff[key]
    now = timezone.now()
    customer = Customer.objects.create(store=staff.store, owner=staff, name=name, phone=phone, created_at=now)
    return Lead.objects.create(store=staff.store, customer=customer, owner=staff, source="autohome",
                               intended_model=VehicleModel.objects.get(code="YH-S7"), grade=grade, created_at=now,
                               next_follow_up_on=timezone.localdate())


def _at_both_widths(page, name: str, url: str) -> None:  # noqa: ANN001
    for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.goto(url)
        screenshot(page, f"{name}-{label}")
        if size is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, f"{name}: no sideways"
    page.set_viewport_size(DESKTOP)


def test_the_consultant_s_day_and_a_lost_sale_approval(page) -> None:  # noqa: ANN001
    world = build_world()
    create_default_grades(world.stores["S1"])
    _card(world, "c2", "吴先生", TAKEN)
    due = _card(world, "c1", "郑女士", "13698765432", grade="H")
    giving_up = _card(world, "c1", "冯先生", "13511112222", grade="C")

    log_in(page, "c1")
    page.goto("/desk/")
    assert page.get_by_test_id("due-list").is_visible()
    assert "郑女士" in page.get_by_test_id("due-list").inner_text()
    _at_both_widths(page, "desk-today", "/desk/")

    # An A-card: the number of c2's open card is caught as it is typed, then a free number goes through.
    page.goto("/desk/leads/new/")
    page.fill("input[name=name]", "陈先生")
    page.fill("input[name=phone]", TAKEN)
    warning = page.get_by_test_id("duplicate-warning")
    warning.wait_for()
    assert "c2" in warning.inner_text()
    _at_both_widths_form(page)
    page.fill("input[name=phone]", "13700001111")
    warning.wait_for(state="detached")
    page.select_option("select[name=source]", "walk_in")
    page.select_option("select[name=intended_model]", label="远航 S7")
    page.check("input[name=grade][value=A]")
    page.click("[data-testid=lead-form] button[type=submit]")
    page.wait_for_url("**/desk/leads/*/")
    new_card = Lead.objects.get(customer__phone="13700001111")
    assert (new_card.owner.name, new_card.grade) == ("c1", "A")

    # A follow-up in two clicks from the list: open the inline form, save it as proposed.
    page.goto("/desk/")
    item = page.locator(f"#lead-{due.pk}")
    item.get_by_test_id("log-follow-up").click()
    item.get_by_test_id("follow-up-form").wait_for()
    screenshot(page, "desk-today-follow-up-form-desktop")
    item.get_by_test_id("follow-up-form").locator("button[type=submit]").click()
    page.locator(f"#lead-{due.pk} .saved").wait_for()
    follow_up = FollowUp.objects.get(lead=due)
    assert (follow_up.due_on, follow_up.grade_after) == (timezone.localdate(), "H")
    assert Lead.objects.get(pk=due.pk).next_follow_up_on == timezone.localdate() + datetime.timedelta(days=7)

    # A test drive on a demo vehicle, started after the licence and the agreement, ended with feedback.
    page.goto(f"/desk/test-drives/new/?lead={due.pk}")
    page.select_option("select[name=vehicle]", index=1)
    page.fill("input[name=start]", "21:00")
    page.click("[data-testid=testdrive-form] button[type=submit]")
    page.wait_for_url("**/desk/test-drives/?day=*")
    drive = Drive.objects.get(lead=due)
    slot = page.get_by_test_id(f"drive-{drive.pk}")
    assert slot.locator("button[formaction$='/start/']").is_disabled(), "not before licence and agreement"
    for step in ("licence", "agreement", "start"):
        _click_and_load(page, page.get_by_test_id(f"drive-{drive.pk}").locator(f"button[formaction$='/{step}/']"))
    page.get_by_test_id(f"drive-{drive.pk}").locator("input[name=feedback]").fill("动力充沛，想看白色")
    _click_and_load(page, page.get_by_test_id(f"drive-{drive.pk}").locator("button[formaction$='/end/']"))
    drive.refresh_from_db()
    assert (drive.status, drive.feedback) == ("done", "动力充沛，想看白色")
    _at_both_widths(page, "desk-testdrive-board", page.url)

    # 战败: c1 asks, the card stays open until sup1 approves.
    page.goto(f"/desk/leads/{giving_up.pk}/")
    page.select_option("select[name=reason]", "postponed")
    screenshot(page, "desk-lead-detail-desktop")
    _click_and_load(page, page.locator("[data-testid=lost-form] button[type=submit]"))
    page.get_by_test_id("lost-pending").wait_for()
    assert Lead.objects.get(pk=giving_up.pk).status == "open"

    log_in(page, "sup1")
    page.goto("/desk/lost-sales/")
    row = page.get_by_test_id("pending-lost").locator("tr", has_text="冯先生")
    _click_and_load(page, row.locator("button[value=approve]"))
    assert LostSale.objects.get(lead=giving_up).status == "approved"
    assert Lead.objects.get(pk=giving_up.pk).status == "lost"
    _at_both_widths(page, "desk-followup-quality", "/desk/quality/")
    _at_both_widths(page, "desk-team-board", "/desk/team/")
    assert {"c1", "c2"} <= set(page.get_by_test_id("team-board").locator("tbody td:first-child").all_inner_texts())


def _at_both_widths_form(page) -> None:  # noqa: ANN001
    """The A-card form with the duplicate warning showing, at both widths (without reloading the page)."""
    screenshot(page, "desk-lead-new-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "desk-lead-new-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.set_viewport_size(DESKTOP)


def _click_and_load(page, button) -> None:  # noqa: ANN001
    with page.expect_navigation():
        button.click()
