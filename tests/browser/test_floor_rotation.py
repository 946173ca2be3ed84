"""A walk-in received by the next consultant in the rotation, in Chromium: the supervisor sup1 puts c1 and c2 on
the floor for the whole day; the board says c1 is next; c1 logs the walk-in (the form names them next); the board
then shows c1 with a customer and c2 next, and nobody out of turn. Screenshots of the board at both widths."""

from __future__ import annotations

import pytest

from dealerkpi.crm.models import ShowroomVisit
from tests.browser.conftest import log_in
from tests.browser.test_order_to_delivery import shoot_both_widths
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def put_on_the_floor(page: object, staff_pk: int) -> None:
    page.select_option("[data-testid=floor-shift-form] select[name=staff]", str(staff_pk))  # type: ignore
    page.fill("[data-testid=floor-shift-form] input[name=starts]", "00:00")  # type: ignore[attr-defined]
    page.fill("[data-testid=floor-shift-form] input[name=ends]", "23:59")  # type: ignore[attr-defined]
    page.click("[data-testid=floor-shift-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]


def test_a_walk_in_received_by_the_next_in_rotation(page: object) -> None:
    world = build_world()
    log_in(page, "sup1")
    page.goto("/desk/floor/")  # type: ignore[attr-defined]
    for key in ("c1", "c2"):
        put_on_the_floor(page, world.staff[key].pk)
    assert "c1" in page.get_by_test_id("floor-next").inner_text()  # type: ignore[attr-defined]

    log_in(page, "c1")
    page.goto("/desk/visits/new/")  # type: ignore[attr-defined]
    assert "c1" in page.get_by_test_id("next-in-turn").inner_text()  # type: ignore[attr-defined]
    page.fill("input[name=party_size]", "2")  # type: ignore[attr-defined]
    page.click("[data-testid=visit-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/desk/leads/new/**")  # type: ignore[attr-defined]
    visit = ShowroomVisit.objects.filter(consultant=world.staff["c1"]).latest("pk")
    assert visit.turn_of == world.staff["c1"] and not visit.out_of_turn

    log_in(page, "sup1")
    page.goto("/desk/floor/")  # type: ignore[attr-defined]
    assert "c2" in page.get_by_test_id("floor-next").inner_text()  # type: ignore[attr-defined]
    row = f"[data-testid=floor-on-duty] tr[data-staff='{world.staff['c1'].employee_no}']"
    busy = page.locator(row).inner_text()  # type: ignore[attr-defined]
    assert "c1" in busy and "—" in busy  # with a customer: no turn
    assert page.get_by_test_id("floor-out-of-turn").count() == 0  # type: ignore[attr-defined]
    shoot_both_widths(page, "floor-board")
