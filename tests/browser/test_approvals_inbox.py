"""The approvals inbox in Chromium on a phone (390x844): the GM reads a request's economics (guide price, deal
price, discount, gifts, floor, cost, margin, reason) as a card, nothing scrolls sideways, and approves from it.
Screenshots at phone and desktop width."""

from __future__ import annotations

import pytest
from django.test import Client

from dealerkpi.sales.models import OrderApproval
from tests.browser.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.test_desk_sales import log_in as sign_in
from tests.test_desk_sales import open_lead, place
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)
SLACK = 2  # px: rounding of sub-pixel widths

SIDEWAYS = """() => {
  const page = document.scrollingElement.scrollWidth;
  const cards = [...document.querySelectorAll('.card')].filter(card => card.scrollWidth > card.clientWidth + 2);
  return {page, cards: cards.map(card => card.dataset.testid || card.className)};
}"""


def test_the_gm_reads_a_requests_economics_on_a_phone_and_approves_it(page: object) -> None:
    world = build_world()
    client = Client()
    sign_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), price="206000", gifts_cost="2000")  # below floor and cost
    OrderApproval.objects.filter(order=order).update(reason="老客户转介绍，竞品报价更低")

    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    log_in(page, "gm1")
    page.goto("/approvals/")  # type: ignore[attr-defined]
    row = page.locator(f"[data-testid=order-approval][data-kind={OrderApproval.Kind.BELOW_FLOOR.value}]").filter(  # type: ignore[attr-defined]
        has=page.locator(f"a[href='/desk/orders/{order.pk}/']"))  # type: ignore[attr-defined]
    assert row.get_by_test_id("guide-price").inner_text().startswith("229,800.00")
    assert row.get_by_test_id("deal-price").inner_text().startswith("206,000.00")
    assert "10.4%" in row.get_by_test_id("discount").inner_text()
    assert row.get_by_test_id("gifts").inner_text().endswith("2,000.00")
    assert row.get_by_test_id("below-floor").is_visible()
    assert "205,000.00" in row.get_by_test_id("cost").inner_text()
    assert "-1,000.00" in row.get_by_test_id("margin").inner_text()
    assert "老客户转介绍" in row.get_by_test_id("reason").inner_text()
    assert row.get_by_test_id("guide-price").bounding_box()["width"] < PHONE["width"] / 2, "figures side by side"
    screenshot(page, "approvals-inbox-phone")
    overflow = page.evaluate(SIDEWAYS)  # type: ignore[attr-defined]
    assert overflow["page"] <= PHONE["width"] + SLACK, "the inbox scrolls sideways on a phone"
    assert "inbox-orders" not in overflow["cards"], "the order requests scroll sideways inside their card"

    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]
    screenshot(page, "approvals-inbox-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    row.locator("button[value=approve]").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert OrderApproval.objects.get(order=order, kind=OrderApproval.Kind.BELOW_FLOOR).status == "approved"
