"""The approvals inbox shows each price request's economics: guide price, deal price, discount, gifts, floor, cost
and margin, from the order and the price list line of its day (or its vehicle's cost when higher), in a fixed
number of queries; a cost nobody knows is a dash with a note, never a zero. The world's trim: guide 229,800, floor
209,800, cost 205,000."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealerkpi.catalog.models import TrimPrice
from dealerkpi.org.scope import viewer_for
from dealerkpi.sales.economics import economics_of, inbox_order_approvals, percent
from dealerkpi.sales.models import Order, OrderApproval
from tests.test_desk_sales import in_stock, log_in, open_lead, place
from tests.world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def below_cost_order(client: Client, world: World) -> Order:
    """206,000 with 2,000 of gifts: below the floor and, net 204,000, below the cost of 205,000."""
    log_in(client, "c1")
    return place(client, world, open_lead(world, "c1"), price="206000", gifts_cost="2000")


def inbox_row(client: Client, user: str, order: Order) -> str:
    """The inbox row of ``order``'s first request the user decides, as HTML (its others show the same deal)."""
    log_in(client, user)
    response = client.get(reverse("approvals"))
    assert response.status_code == 200
    rows = [row for row in response.content.decode().split('data-testid="order-approval"')[1:]
            if f">{order}<" in row]
    assert rows, f"{user} should see {order}'s requests"
    return rows[0].split("</tr>")[0]


def cell(row: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">(.*?)</(?:td|div)>', row, re.S)
    assert match, testid
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_the_inbox_shows_a_requests_economics_and_reason(client: Client, world: World) -> None:
    order = below_cost_order(client, world)
    OrderApproval.objects.filter(order=order).update(reason="老客户转介绍, 竞品报价 205,000")
    row = inbox_row(client, "gm1", order)
    assert order.customer.name in row and "S7 2.0T 豪华版" in row
    assert cell(row, "guide-price") == "229,800.00"
    assert cell(row, "deal-price") == "206,000.00"
    assert cell(row, "discount") == "23,800.00 10.4%"  # 23,800 / 229,800 = 10.357%
    assert cell(row, "gifts") == "2,000.00"
    assert cell(row, "floor-price") == "209,800.00 below the floor"
    assert cell(row, "cost") == "205,000.00"
    assert cell(row, "margin") == "-1,000.00 -0.5%"  # 206,000 − 2,000 − 205,000; −1,000 / 206,000 = −0.485%
    assert cell(row, "reason") == "Reason: 老客户转介绍, 竞品报价 205,000"


def test_within_the_floor_there_is_no_flag_and_a_positive_margin(client: Client, world: World) -> None:
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), price="226000", gifts_cost="500")  # beyond 3,000
    row = inbox_row(client, "m1", order)
    assert cell(row, "floor-price") == "209,800.00"
    assert cell(row, "discount") == "3,800.00 1.7%"
    assert cell(row, "margin") == "20,500.00 9.1%"  # 226,000 − 500 − 205,000; / 226,000 = 9.07%
    assert cell(row, "reason") == "Reason: —"


def test_an_allocated_vehicle_costing_more_than_the_list_is_the_cost(client: Client, world: World) -> None:
    order = below_cost_order(client, world)
    Order.objects.filter(pk=order.pk).update(vehicle=in_stock(world, cost="207500"))
    row = inbox_row(client, "gm1", order)
    assert cell(row, "cost") == "207,500.00"
    assert cell(row, "margin") == "-3,500.00 -1.7%"
    Order.objects.filter(pk=order.pk).update(vehicle=in_stock(world, cost="190000"))
    assert cell(inbox_row(client, "gm1", order), "cost") == "205,000.00", "the list's cost when it is higher"


def test_an_unknown_cost_is_a_dash_with_a_note_never_a_zero(client: Client, world: World) -> None:
    order = below_cost_order(client, world)
    TrimPrice.objects.filter(trim=world.trim).update(valid_from=datetime.date(2099, 1, 1))  # none on the order day
    row = inbox_row(client, "gm1", order)
    assert cell(row, "cost") == "— no price list line on the order day and no vehicle allocated"
    assert cell(row, "margin") == "— cost unknown"
    assert cell(row, "guide-price") == "229,800.00", "the order keeps the prices it was taken at"
    Order.objects.filter(pk=order.pk).update(vehicle=in_stock(world, cost="203000"))
    row = inbox_row(client, "gm1", order)
    assert (cell(row, "cost"), cell(row, "margin")) == ("203,000.00", "1,000.00 0.5%"), "then the vehicle's cost"


def test_the_economics_are_decimal_and_follow_the_pricing_rules(client: Client, world: World) -> None:
    order = below_cost_order(client, world)
    figures = economics_of(order, Decimal("205000"))
    assert (figures.discount, figures.discount_percent, figures.cost, figures.margin, figures.margin_percent) == (
        Decimal("23800"), Decimal("10.4"), Decimal("205000"), Decimal("-1000"), Decimal("-0.5"))
    assert figures.below_floor and figures.quote.net_price < figures.quote.cost  # as the below_cost rule says
    unknown = economics_of(order, None)
    assert (unknown.cost, unknown.margin, unknown.margin_percent) == (None, None, None)
    assert percent(Decimal("1"), Decimal("0")) is None
    assert percent(Decimal("1"), Decimal("8")) == Decimal("12.5")  # 12.5 exactly; half-up on ties:
    assert percent(Decimal("1"), Decimal("16")) == Decimal("6.3")  # 6.25 -> 6.3


def test_a_price_line_of_another_period_is_not_the_cost(client: Client, world: World) -> None:
    order = below_cost_order(client, world)
    day = timezone.localdate(order.ordered_at)
    TrimPrice.objects.filter(trim=world.trim).update(valid_to=day - datetime.timedelta(days=1))
    TrimPrice.objects.create(trim=world.trim, valid_from=day, guide_price=Decimal("229800"),
                             floor_price=Decimal("209800"), cost=Decimal("204000"))
    TrimPrice.objects.create(trim=world.trim, valid_from=day + datetime.timedelta(days=2),
                             guide_price=Decimal("229800"), floor_price=Decimal("209800"), cost=Decimal("199000"))
    listed = {a.order_id: a.list_cost for a in inbox_order_approvals(viewer_for(world.users["gm1"]))}
    assert listed[order.pk] == Decimal("204000")


def test_the_inbox_costs_the_same_queries_for_one_request_or_many(client: Client, world: World,
                                                                  django_assert_max_num_queries: object) -> None:
    below_cost_order(client, world)
    log_in(client, "gm1")
    client.get(reverse("approvals"))  # warm the session and the caches
    reset_queries()  # a full query log (the world's inserts) would count nothing
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("approvals")).status_code == 200
    one_request = len(few)
    assert one_request > 0
    for _ in range(6):
        below_cost_order(client, world)
    log_in(client, "gm1")
    waiting = Order.objects.filter(status="awaiting_approval", vehicle__isnull=True).first()
    Order.objects.filter(pk=waiting.pk).update(vehicle=in_stock(world, cost="207000"))  # a cost from the vehicle
    client.get(reverse("approvals"))
    reset_queries()
    with django_assert_max_num_queries(one_request):  # type: ignore[operator]
        response = client.get(reverse("approvals"))
    assert response.content.decode().count('data-testid="order-approval"') >= 14  # 7 orders, 2 requests each


def test_only_those_who_decide_see_the_economics(client: Client, world: World) -> None:
    order = below_cost_order(client, world)
    for user in ("c1", "sup1", "hr1"):
        log_in(client, user)
        response = client.get(reverse("approvals"))
        assert response.status_code == 403 or f">{order}<" not in response.content.decode(), user
    log_in(client, "m2")  # another store's manager
    response = client.get(reverse("approvals"))
    assert response.status_code == 200 and f">{order}<" not in response.content.decode()
