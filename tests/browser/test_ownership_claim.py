"""A disputed customer decided by the supervisor and the credit following, in Chromium: c2 types the mobile of a
customer on c1's open card into a new A-card, is told whose card it is, and claims the customer with a reason;
c1 takes the customer's order meanwhile; sup1 finds the claim in the approvals inbox with what the store's rule
says, and moves the customer to c2; the order's credit is c2's. Screenshots of the inbox at both widths."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerkpi.crm.models import OwnershipClaim
from dealerkpi.sales import services
from tests.browser.conftest import log_in
from tests.browser.test_order_to_delivery import shoot_both_widths
from tests.test_desk_sales import open_lead
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_disputed_customer_decided_and_the_credit_following(page: object) -> None:
    world = build_world()
    lead = open_lead(world, "c1")

    log_in(page, "c2")
    page.goto("/desk/leads/new/")  # type: ignore[attr-defined]
    page.fill("input[name=phone]", lead.customer.phone)  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=claim-form]")  # type: ignore[attr-defined]
    assert "c1" in page.get_by_test_id("duplicate-warning").inner_text()  # type: ignore[attr-defined]
    page.fill("[data-testid=claim-form] input[name=reason]", "上周六展厅是我接待的，留了电话")  # type: ignore
    page.click("[data-testid=claim-form] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    claim = OwnershipClaim.objects.get(lead=lead)
    assert claim.claimant == world.staff["c2"]

    terms = services.OrderTerms(trim=world.trim, price_line=world.trim.prices.get(), colour="白",
                                price=Decimal("227800"), gifts_cost=Decimal("0"),
                                credits=(services.Credit(world.staff["c1"], Decimal("100")),))
    order = services.place_order(lead, terms, world.staff["c1"])  # c1 takes the order meanwhile

    log_in(page, "sup1")
    page.goto("/approvals/")  # type: ignore[attr-defined]
    row = page.locator(f"[data-testid=inbox-claims] tr[data-claim='{claim.pk}']")  # type: ignore[attr-defined]
    assert "c2" in row.inner_text()
    shoot_both_widths(page, "ownership-claim-inbox")
    row.locator("select[name=decision]").select_option("moved")
    row.locator("input[name=reason]").fill("c2首次接待有记录")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")  # type: ignore[attr-defined]
    claim.refresh_from_db()
    assert claim.status == OwnershipClaim.Status.MOVED

    page.goto(f"/desk/orders/{order.pk}/")  # type: ignore[attr-defined]
    assert "c2 100%" in page.inner_text("body")  # type: ignore[attr-defined]
