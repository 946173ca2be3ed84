"""The sales desk's orders on the hand-built world: pricing authority and approvals, split credit, payments and
what is owed, delivery with its checklist, GM override and C-cards, cancellation and unwind (net in the KPI
figures), cross-region sales, the scope matrix and query counts. Prices of the world's trim (2.0T 豪华版):
guide 229,800, floor 209,800, cost 205,000; a consultant's default authority is 3,000 yuan."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from itertools import count

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.catalog.models import Brand, Trim, TrimPrice, VehicleModel
from dealerkpi.core.models import AuditEntry
from dealerkpi.crm.models import Customer, Lead
from dealerkpi.org.models import User
from dealerkpi.org.scope import viewer_for
from dealerkpi.plans.engine import Period
from dealerkpi.sales import services
from dealerkpi.sales.models import (
    Delivery,
    DeliveryFollowUp,
    DiscountAuthority,
    Order,
    OrderApproval,
    Payment,
    Reversal,
    StoreDeskSettings,
)
from dealerkpi.sales.services import Quote, approvals_needed
from dealerkpi.stock.models import SecondaryDealer, Vehicle
from tests.world import World, build_world, make_vin

pytestmark = pytest.mark.django_db

K = OrderApproval.Kind
WITHIN = {"price": "227800", "gifts_cost": "1000"}  # 2,000 off + 1,000 gifts = 3,000: exactly the authority
CHECKED = {name: "on" for name in services.CHECKLIST}
_serial = count(70000)


@pytest.fixture
def world() -> World:
    return build_world()


def log_in(client: object, username: str) -> None:
    client.force_login(User.objects.get(username=username))  # type: ignore[attr-defined]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # type: ignore[attr-defined]  # messages asserted in English


def open_lead(world: World, owner: str, district: str = "姑苏区") -> Lead:
    staff = world.staff[owner]
    serial = next(_serial)
    customer = Customer.objects.create(store=staff.store, owner=staff, name=f"新客户{serial}",
                                       phone=f"137{serial:08d}", district=district, created_at=timezone.now())
    return Lead.objects.create(store=staff.store, customer=customer, owner=staff, source="walk_in",
                               intended_model=world.trim.vehicle_model, grade="H", created_at=timezone.now())


def in_stock(world: World, store: str = "S1", cost: str = "205000") -> Vehicle:
    return Vehicle.objects.create(store=world.stores[store], vin=make_vin(next(_serial)), trim=world.trim,
                                  colour="白", cost=Decimal(cost), arrived_on=datetime.date(2026, 10, 1),
                                  status=Vehicle.Status.IN_STOCK)


def order_form(world: World, **fields: str) -> dict[str, object]:
    return {"trim": world.trim.pk, "colour": "白", "price": "227800", "gifts_cost": "0", "my_share": "100", **fields}


def place(client: object, world: World, lead: Lead, **fields: str) -> Order:
    response = client.post(reverse("order-new", args=[lead.pk]), order_form(world, **fields))  # type: ignore
    assert response.status_code == 302, response.content.decode()[:3000]
    return Order.objects.get(lead=lead)


def kinds(order: Order) -> list[str]:
    return sorted(order.approvals.values_list("kind", flat=True))


def decide(client: object, approval: OrderApproval, decision: str = "approve") -> int:
    response = client.post(reverse("order-approval-decide", args=[approval.pk]), {"decision": decision})  # type: ignore
    return response.status_code


# --- pricing authority ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("price", "gifts", "authority", "expected"), [
    ("226800", "0", Decimal("3000"), []),  # 3,000 off: exactly the authority
    ("226799", "0", Decimal("3000"), [K.OVER_AUTHORITY]),  # one yuan beyond
    ("227800", "1500", Decimal("3000"), [K.OVER_AUTHORITY]),  # 2,000 off + 1,500 gifts = 3,500
    ("209800", "0", Decimal("3000"), [K.OVER_AUTHORITY]),  # at the floor: 20,000 off, beyond 3,000
    ("209800", "0", None, []),  # a manager may go down to the floor
    ("210000", "1000", None, [K.OVER_AUTHORITY]),  # 19,800 off + 1,000 gifts: past the floor's 20,000
    ("209799", "0", None, [K.BELOW_FLOOR]),
    ("206000", "2000", Decimal("3000"), [K.BELOW_FLOOR, K.BELOW_COST]),  # net 204,000 < cost 205,000
    ("215000", "10001", Decimal("3000"), [K.OVER_AUTHORITY, K.BELOW_COST]),  # net 204,999
    ("229800", "0", Decimal("50000"), []),  # a large authority is still capped at the floor
    ("215000", "0", Decimal("50000"), []),
])
def test_approvals_needed(price: str, gifts: str, authority: Decimal | None, expected: list[str]) -> None:
    quote = Quote(Decimal("229800"), Decimal("209800"), Decimal("205000"), Decimal(price), Decimal(gifts))
    assert approvals_needed(quote, authority) == expected


def test_within_authority_the_order_is_confirmed(client: object, world: World) -> None:
    lead = open_lead(world, "c1")
    log_in(client, "c1")
    order = place(client, world, lead, **WITHIN)
    assert order.status == Order.Status.CONFIRMED
    assert kinds(order) == []
    assert (order.guide_price, order.floor_price, order.price, order.gifts_cost) == (
        Decimal("229800"), Decimal("209800"), Decimal("227800"), Decimal("1000"))
    lead.refresh_from_db()
    assert (lead.status, lead.grade) == (Lead.Status.ORDERED, "O")
    assert list(order.credits.values_list("staff__username" if False else "staff_id", "share")) == [
        (world.staff["c1"].pk, Decimal("100"))]


def test_beyond_authority_awaits_the_sales_manager(client: object, world: World) -> None:
    lead = open_lead(world, "c1")
    log_in(client, "c1")
    order = place(client, world, lead, price="226000")  # 3,800 off
    assert (order.status, kinds(order)) == (Order.Status.AWAITING_APPROVAL, [K.OVER_AUTHORITY])
    approval = order.approvals.get()
    assert decide(client, approval) == 403, "a consultant cannot approve"
    log_in(client, "sup1")
    assert decide(client, approval) == 403, "a supervisor cannot approve"
    log_in(client, "m1")
    assert decide(client, approval) == 302
    approval.refresh_from_db()
    order.refresh_from_db()
    assert (approval.status, approval.decided_by, order.status) == ("approved", world.staff["m1"], "confirmed")
    assert approval.decided_at is not None
    entry = AuditEntry.objects.filter(object_id=str(approval.pk), action="update").get()
    assert (entry.actor.username, entry.before["status"], entry.after["status"]) == ("m1", "requested", "approved")


def test_a_store_configures_its_authority(client: object, world: World) -> None:
    DiscountAuthority.objects.create(store=world.stores["S1"], role="consultant", max_discount=Decimal("5000"))
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), price="225800")  # 4,000 off: within 5,000
    assert (order.status, kinds(order)) == ("confirmed", [])


def test_below_cost_awaits_every_approval_and_only_the_gm_grants_it(client: object, world: World) -> None:
    lead = open_lead(world, "c1")
    log_in(client, "c1")
    order = place(client, world, lead, price="206000", gifts_cost="2000")
    assert (order.status, kinds(order)) == ("awaiting_approval", [K.BELOW_COST, K.BELOW_FLOOR])
    floor, cost = order.approvals.get(kind=K.BELOW_FLOOR), order.approvals.get(kind=K.BELOW_COST)
    assert decide(client, floor) == 403
    log_in(client, "m1")
    assert decide(client, cost) == 403, "a manager cannot approve below cost"
    assert decide(client, floor) == 302
    order.refresh_from_db()
    assert order.status == "awaiting_approval", "still waiting for the GM"
    log_in(client, "hr1")
    assert decide(client, cost) == 403
    log_in(client, "m2")
    assert decide(client, cost) == 404
    log_in(client, "gm1")
    assert decide(client, cost) == 302
    order.refresh_from_db()
    assert order.status == "confirmed"


def test_a_rejected_price_keeps_the_order_waiting(client: object, world: World) -> None:
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), price="208000")
    log_in(client, "m1")
    assert decide(client, order.approvals.get(), "reject") == 302
    order.refresh_from_db()
    assert (order.status, order.approvals.get().status) == ("awaiting_approval", "rejected")
    assert decide(client, order.approvals.get()) == 302  # decided already: refused with a message
    assert order.approvals.get().status == "rejected"


def test_pending_approvals_are_those_the_viewer_may_decide(client: object, world: World) -> None:
    log_in(client, "c1")
    below_cost = place(client, world, open_lead(world, "c1"), price="206000", gifts_cost="2000")
    world_requests = set(OrderApproval.objects.filter(store=world.stores["S1"], order__status="confirmed")
                         .values_list("pk", flat=True))  # the world's c1, c2 and c3 deals: below floor, undecided
    assert len(world_requests) == 3
    floor, cost = below_cost.approvals.get(kind=K.BELOW_FLOOR).pk, below_cost.approvals.get(kind=K.BELOW_COST).pk
    mine = {name: set(services.pending_order_approvals(viewer_for(world.users[name])).values_list("pk", flat=True))
            for name in ("c1", "sup1", "m1", "gm1", "hr1", "m2")}
    c4_request = OrderApproval.objects.get(store=world.stores["S2"]).pk
    assert mine == {"c1": set(), "sup1": set(), "m1": world_requests | {floor},
                    "gm1": world_requests | {floor, cost}, "hr1": set(), "m2": {c4_request}}


def test_the_order_form_keeps_what_was_typed_and_explains_errors(client: object, world: World) -> None:
    lead = open_lead(world, "c1")
    log_in(client, "c1")
    response = client.post(reverse("order-new", args=[lead.pk]), order_form(  # type: ignore[attr-defined]
        world, price="abc", colour="珍珠白", gifts_cost="-5", insurance_income="800"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"price", "gifts_cost", "insurance_amount"}
    assert 'value="珍珠白"' in response.content.decode()
    assert not Order.objects.filter(lead=lead).exists()
    response = client.post(reverse("order-new", args=[lead.pk]), order_form(world, price="500000"))  # type: ignore
    assert "twice the guide price" in str(response.context["form"].errors["price"])


def test_credit_shares_must_add_up_to_100(client: object, world: World) -> None:
    lead = open_lead(world, "c1")
    log_in(client, "c1")
    data = order_form(world, my_share="60", partner=str(world.staff["c2"].pk), partner_share="30")
    response = client.post(reverse("order-new", args=[lead.pk]), data)  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert "90" in str(response.context["form"].errors["my_share"])
    order = place(client, world, lead, my_share="60", partner=str(world.staff["c2"].pk), partner_share="40")
    assert dict(order.credits.values_list("staff_id", "share")) == {
        world.staff["c1"].pk: Decimal("60"), world.staff["c2"].pk: Decimal("40")}


# --- money -----------------------------------------------------------------------------------------------------

def test_amount_due_paid_and_outstanding(client: object, world: World) -> None:
    """Due = price 220,000 + insurance 6,800 + accessories 3,000 + warranty 2,500 = 232,300 (the 150,000 loan and
    the 40,000 trade-in are not owed by the customer to the store); paid 5,000 deposit + 150,000 loan."""
    log_in(client, "m1")
    order = place(client, world, open_lead(world, "c1"), price="220000", deposit="5000",
                  insurance_amount="6800", insurance_income="1020", finance_amount="150000", finance_income="3000",
                  accessories_amount="3000", accessories_income="1200", extended_warranty_amount="2500",
                  trade_in_amount="40000")
    assert order.derivatives.count() == 5
    url = reverse("payment-new", args=[order.pk])
    assert client.post(url, {"kind": "loan", "amount": "150000", "paid_at": "2026-11-20T10:00"}).status_code == 302
    account = services.account_of(order)
    assert (account.due, account.paid, account.outstanding) == (
        Decimal("232300"), Decimal("155000"), Decimal("77300.00"))
    page = client.get(reverse("order-detail", args=[order.pk])).content.decode()  # type: ignore[attr-defined]
    assert "77,300.00" in page and "232,300.00" in page


def test_payment_signs_are_checked(client: object, world: World) -> None:
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), **WITHIN)
    url = reverse("payment-new", args=[order.pk])
    for kind, amount in (("refund", "100"), ("balance", "-5"), ("balance", "x")):
        response = client.post(url, {"kind": kind, "amount": amount, "paid_at": "2026-11-20T10:00"})  # type: ignore
        assert response.status_code == 400
        assert response.context["forms"]["payment"].errors["amount"]
    assert client.post(url, {"kind": "refund", "amount": "-100",  # type: ignore[attr-defined]
                             "paid_at": "2026-11-20T10:00"}).status_code == 302
    assert services.account_of(order).paid == Decimal("-100")


# --- delivery ----------------------------------------------------------------------------------------------

def schedule(client: object, order: Order, vehicle: Vehicle) -> object:
    when = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    return client.post(reverse("delivery-schedule", args=[order.pk]),  # type: ignore[attr-defined]
                       {"scheduled_for": when, "vehicle": vehicle.pk})


def complete(client: object, order: Order, ticks: dict[str, str] = CHECKED) -> object:
    return client.post(reverse("delivery-complete", args=[order.pk]), {**ticks, "complete": "1"})  # type: ignore


def test_delivery_refused_with_money_outstanding_until_the_gm_overrides(client: object, world: World) -> None:
    vehicle = in_stock(world)
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), deposit="5000", **WITHIN)
    assert schedule(client, order, vehicle).status_code == 302
    vehicle.refresh_from_db()
    order.refresh_from_db()
    assert (vehicle.status, order.vehicle) == (Vehicle.Status.ALLOCATED, vehicle)
    response = complete(client, order)
    assert response.status_code == 400
    assert "222800.00 yuan is still outstanding" in response.content.decode()
    assert Delivery.objects.get(order=order).delivered_at is None
    url = reverse("delivery-override", args=[order.pk])
    assert client.post(url, {"override-reason": ""}).status_code == 400  # a reason is required
    assert client.post(url, {"override-reason": "贷款审批中, 客户急用车"}).status_code == 302
    override = order.approvals.get(kind=K.DELIVERY_WITH_BALANCE)
    log_in(client, "m1")
    assert decide(client, override) == 403, "only the GM overrides"
    log_in(client, "gm1")
    assert decide(client, override) == 302
    log_in(client, "c1")
    assert complete(client, order).status_code == 302
    delivery = Delivery.objects.get(order=order)
    order.refresh_from_db()
    vehicle.refresh_from_db()
    lead = order.lead
    assert (order.status, vehicle.status, lead.status, lead.grade) == ("delivered", "delivered", "delivered", "D")
    day = timezone.localdate(delivery.delivered_at)
    assert sorted(delivery.follow_ups.values_list("due_on", "staff_id")) == [
        (day + datetime.timedelta(days=n), world.staff["c1"].pk) for n in (1, 3, 7)]
    assert AuditEntry.objects.filter(object_id=str(override.pk), actor=world.users["gm1"]).exists()


def test_an_incomplete_checklist_refuses_delivery_and_keeps_the_ticks(client: object, world: World) -> None:
    vehicle = in_stock(world)
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), deposit="227800", **WITHIN)  # fully paid
    schedule(client, order, vehicle)
    ticks = {name: "on" for name in services.CHECKLIST if name != "customer_signed"}
    response = complete(client, order, ticks)
    assert response.status_code == 400
    assert "missing: customer signed." in response.content.decode()
    delivery = Delivery.objects.get(order=order)
    assert delivery.delivered_at is None and delivery.inspection_done and not delivery.customer_signed
    assert complete(client, order).status_code == 302


def test_an_order_awaiting_approval_cannot_be_delivered(client: object, world: World) -> None:
    vehicle = in_stock(world)
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), price="208000", deposit="208000")
    assert schedule(client, order, vehicle).status_code == 302  # a car may be set aside meanwhile
    assert complete(client, order).status_code == 400
    assert Order.objects.get(pk=order.pk).status == "awaiting_approval"


def test_c_cards_on_the_days_the_store_configured(world: World) -> None:
    StoreDeskSettings.objects.create(store=world.stores["S1"], c_card_days="30,2,5")
    order, vehicle = ready_to_deliver(world, "c1")
    at = timezone.make_aware(datetime.datetime(2026, 11, 28, 23, 30))  # Shanghai time: the 28th
    services.complete_delivery(order, at=at)
    assert sorted(DeliveryFollowUp.objects.filter(delivery__order=order).values_list("due_on", flat=True)) == [
        datetime.date(2026, 11, 30), datetime.date(2026, 12, 3), datetime.date(2026, 12, 28)]


def ready_to_deliver(world: World, owner: str, at: datetime.datetime | None = None) -> tuple[Order, Vehicle]:
    """An order within authority, fully paid, scheduled with a vehicle and every check ticked."""
    lead = open_lead(world, owner)
    line = world.trim.prices.get()
    terms = services.OrderTerms(trim=world.trim, price_line=line, colour="白", price=Decimal("227800"),
                                gifts_cost=Decimal("0"), deposit=Decimal("227800"),
                                credits=(services.Credit(world.staff[owner], Decimal("100")),))
    order = services.place_order(lead, terms, world.staff[owner], at=at)
    vehicle = in_stock(world)
    delivery = services.schedule_delivery(order, vehicle.pk, order.ordered_at, world.staff[owner], at=at)
    Delivery.objects.filter(pk=delivery.pk).update(**{name: True for name in services.CHECKLIST})
    return order, vehicle


def test_desk_settings_are_validated_and_audited(client: object, world: World) -> None:
    url = reverse("desk-settings")
    log_in(client, "c1")
    assert client.get(url).status_code == 403  # type: ignore[attr-defined]
    log_in(client, "m1")
    form = {"c_card_days": "1,x", "authority_consultant": "3000", "authority_supervisor": "6000"}
    response = client.post(url, form)  # type: ignore[attr-defined]
    assert response.status_code == 400 and response.context["form"].errors["c_card_days"]
    assert client.post(url, {**form, "c_card_days": "1,1"}).status_code == 400  # type: ignore[attr-defined]
    assert client.post(url, {**form, "c_card_days": "2,14", "authority_consultant": "4500"}).status_code == 302
    assert services.c_card_days(world.stores["S1"].pk) == [2, 14]
    assert services.authority_of(world.stores["S1"].pk, "consultant") == Decimal("4500")
    assert services.authority_of(world.stores["S1"].pk, "sales_manager") is None
    assert AuditEntry.objects.filter(content_type__model="discountauthority", actor=world.users["m1"]).count() == 5


# --- allocation, cancellation, unwind ------------------------------------------------------------------------

def test_a_vehicle_goes_to_one_order_only(client: object, world: World) -> None:
    vehicle = in_stock(world)
    other_trim_or_store = in_stock(world, store="S2")
    log_in(client, "c1")
    first = place(client, world, open_lead(world, "c1"), **WITHIN)
    second = place(client, world, open_lead(world, "c1"), **WITHIN)
    assert schedule(client, first, vehicle).status_code == 302
    response = schedule(client, second, vehicle)
    assert response.status_code == 400 and response.context["forms"]["schedule"].errors["vehicle"]
    assert schedule(client, second, other_trim_or_store).status_code == 400  # another store's car
    with pytest.raises(Exception, match="no longer free"):
        services.schedule_delivery(second, vehicle.pk, timezone.now(), world.staff["c1"])


def test_allocating_a_dearer_vehicle_asks_the_gm_when_the_price_falls_below_its_cost(
        client: object, world: World) -> None:
    vehicle = in_stock(world, cost="226000")
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), price="227800", gifts_cost="1000")  # net 226,800
    schedule(client, order, vehicle)
    assert Order.objects.get(pk=order.pk).status == "confirmed"
    dearer = in_stock(world, cost="227000")
    schedule(client, order, dearer)
    order.refresh_from_db()
    vehicle.refresh_from_db()
    assert (order.status, kinds(order), vehicle.status) == ("awaiting_approval", [K.BELOW_COST], "in_stock")


def test_cancelling_frees_the_vehicle(client: object, world: World) -> None:
    vehicle = in_stock(world)
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1"), **WITHIN)
    schedule(client, order, vehicle)
    url = reverse("order-cancel", args=[order.pk])
    assert client.post(url, {"cancel-reason": ""}).status_code == 400  # type: ignore[attr-defined]
    assert client.post(url, {"cancel-reason": "客户资金不足"}).status_code == 302  # type: ignore[attr-defined]
    order.refresh_from_db()
    vehicle.refresh_from_db()
    assert (order.status, order.vehicle, vehicle.status) == ("cancelled", None, "in_stock")
    assert not Delivery.objects.filter(order=order).exists()
    reversal = Reversal.objects.get(order=order)
    assert (reversal.kind, reversal.reason, reversal.recorded_by) == ("cancellation", "客户资金不足", world.staff["c1"])
    assert AuditEntry.objects.filter(content_type__model="reversal", object_id=str(reversal.pk)).exists()
    assert (order.lead.status, order.lead.grade) == ("open", "T")
    again = client.post(url, {"cancel-reason": "again"}, follow=True)  # type: ignore[attr-defined]
    assert "Only an order not yet delivered can be cancelled" in again.content.decode()  # on the page as it is now
    assert Reversal.objects.filter(order=order).count() == 1


def test_an_unwind_nets_the_units_in_the_kpi_figures(client: object, world: World) -> None:
    """c3 has the world's October delivery; a second one on October 20 makes October 2. Unwound now, the sale
    counts -1 in this month and October stays as reported."""
    c3 = world.staff["c3"]
    delivered_on = timezone.make_aware(datetime.datetime(2026, 10, 20, 15))
    order, vehicle = ready_to_deliver(world, "c3", at=delivered_on - datetime.timedelta(days=3))
    services.complete_delivery(order, at=delivered_on)
    october = Period(2026, 10)
    assert metrics.compute(["units_delivered"], [world.stores["S1"].pk], october).value(c3.pk, "units_delivered") \
        == Decimal("2")
    url = reverse("delivery-unwind", args=[order.pk])
    log_in(client, "c3")
    assert client.post(url, {"unwind-reason": "质量问题退车"}).status_code == 403  # type: ignore[attr-defined]
    log_in(client, "m1")
    assert client.post(url, {"unwind-reason": "质量问题退车"}).status_code == 302  # type: ignore[attr-defined]
    reversal = Reversal.objects.get(order=order)
    today = timezone.localdate(reversal.at)
    now = Period(today.year, today.month)
    figures = metrics.compute(["units_delivered"], [world.stores["S1"].pk], now)
    assert figures.value(c3.pk, "units_delivered") == Decimal("-1")
    assert metrics.compute(["units_delivered"], [world.stores["S1"].pk], october).value(
        c3.pk, "units_delivered") == Decimal("2")
    order.refresh_from_db()
    vehicle.refresh_from_db()
    assert (order.status, vehicle.status, reversal.kind) == ("unwound", "in_stock", "unwind")
    assert not DeliveryFollowUp.objects.filter(delivery__order=order, done_at__isnull=True).exists()


# --- cross-region ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("store_territory", "dealer", "district", "expected"), [
    ("姑苏区\n吴中区", False, "姑苏区", False),
    ("姑苏区\n吴中区", False, "相城区", True),
    ("姑苏区\n吴中区", True, "姑苏区", True),  # the dealer's territory is 吴江区 only
    ("姑苏区\n吴中区", True, "吴江区", False),
    ("", False, "相城区", False),  # no territory: no limit
    ("姑苏区", False, "", False),  # district unknown: not flagged
])
def test_cross_region_flag_at_order_entry(client: object, world: World, store_territory: str, dealer: bool,
                                          district: str, expected: bool) -> None:
    world.stores["S1"].territory = store_territory
    world.stores["S1"].save()
    sold_via = SecondaryDealer.objects.get(store=world.stores["S1"])  # territory 吴江区
    log_in(client, "c1")
    fields = {**WITHIN, **({"sold_via": str(sold_via.pk)} if dealer else {})}
    order = place(client, world, open_lead(world, "c1", district=district), **fields)
    assert order.is_cross_region is expected


def test_changing_the_dealer_recomputes_the_flag(client: object, world: World) -> None:
    world.stores["S1"].territory = "姑苏区"
    world.stores["S1"].save()
    dealer = SecondaryDealer.objects.get(store=world.stores["S1"])
    log_in(client, "c1")
    order = place(client, world, open_lead(world, "c1", district="姑苏区"), **WITHIN)
    url = reverse("order-sold-via", args=[order.pk])
    assert client.post(url, {"sold_via": dealer.pk}).status_code == 302  # type: ignore[attr-defined]
    assert Order.objects.get(pk=order.pk).is_cross_region is True
    assert client.post(url, {"sold_via": ""}).status_code == 302  # type: ignore[attr-defined]
    assert Order.objects.get(pk=order.pk).is_cross_region is False
    other_store_dealer = SecondaryDealer.objects.get(store=world.stores["S2"])
    assert client.post(url, {"sold_via": other_store_dealer.pk}).status_code == 400  # type: ignore[attr-defined]


# --- scope matrix ------------------------------------------------------------------------------------------

ACTIONS = ("payment-new", "order-sold-via", "delivery-schedule", "delivery-complete", "delivery-override",
           "order-cancel", "delivery-unwind")


def shared_order(client: object, world: World) -> Order:
    """c1's order shared 60/40 with c2, below the floor (a request awaits the manager)."""
    log_in(client, "c1")
    return place(client, world, open_lead(world, "c1"), price="208000", my_share="60",
                 partner=str(world.staff["c2"].pk), partner_share="40")


@pytest.mark.parametrize(("username", "sees", "acts"), [
    ("c1", 200, 200), ("c2", 200, 403), ("c3", 404, 404), ("sup1", 200, 200), ("m1", 200, 200), ("gm1", 200, 200),
    ("hr1", 200, 403), ("fin1", 200, 403), ("ho_group", 200, 403), ("ho_r1", 200, 403), ("m2", 404, 404),
    ("c4", 404, 404), ("c6", 404, 404), ("ho_g2", 404, 404),
])
def test_who_sees_and_acts_on_an_order(client: object, world: World, username: str, sees: int, acts: int) -> None:
    order = shared_order(client, world)
    log_in(client, username)
    assert client.get(reverse("order-detail", args=[order.pk])).status_code == sees  # type: ignore[attr-defined]
    # A payment is the simplest action: 302 when done.
    response = client.post(reverse("payment-new", args=[order.pk]),  # type: ignore[attr-defined]
                           {"kind": "deposit", "amount": "1000", "paid_at": "2026-11-20T10:00"})
    assert response.status_code == (302 if acts == 200 else acts)


@pytest.mark.parametrize("username", ["hr1", "fin1", "ho_group"])
def test_read_only_roles_get_403_on_every_post(client: object, world: World, username: str) -> None:
    order = shared_order(client, world)
    lead = open_lead(world, "c1")
    log_in(client, username)
    posts = [reverse(name, args=[order.pk]) for name in ACTIONS]
    posts += [reverse("order-approval-decide", args=[order.approvals.get().pk]), reverse("order-new", args=[lead.pk]),
              reverse("desk-settings"), reverse("vehicle-transfer", args=[in_stock(world).pk])]
    for url in posts:
        assert client.post(url, {"reason": "x", "decision": "approve"}).status_code == 403, url  # type: ignore
    assert Payment.objects.filter(order=order).count() == 0


def test_the_credit_partner_sees_but_cannot_act(client: object, world: World) -> None:
    order = shared_order(client, world)
    log_in(client, "c2")
    page = client.get(reverse("order-detail", args=[order.pk]))  # type: ignore[attr-defined]
    assert page.context["may_act"] is False
    assert 'data-testid="payment-form"' not in page.content.decode()
    for name in ACTIONS:
        assert client.post(reverse(name, args=[order.pk]), {}).status_code == 403, name  # type: ignore


def test_order_entry_follows_the_lead_scope(client: object, world: World) -> None:
    c1_lead, c3_lead = open_lead(world, "c1"), open_lead(world, "c3")
    for username, lead, status in (("c1", c1_lead, 200), ("c2", c1_lead, 404), ("c1", c3_lead, 404),
                                   ("sup1", c1_lead, 200), ("sup1", c3_lead, 404), ("m1", c3_lead, 200),
                                   ("hr1", c1_lead, 403), ("m2", c1_lead, 404)):
        log_in(client, username)
        assert client.get(reverse("order-new", args=[lead.pk])).status_code == status, (  # type: ignore
            username, lead.owner.name)


def test_no_second_order_on_a_card_that_is_not_open(client: object, world: World) -> None:
    lead = open_lead(world, "c1")
    log_in(client, "c1")
    place(client, world, lead, **WITHIN)
    response = client.post(reverse("order-new", args=[lead.pk]), order_form(world))  # type: ignore[attr-defined]
    assert response.status_code == 200 and 'data-testid="lead-closed"' in response.content.decode()
    assert Order.objects.filter(lead=lead).count() == 1


def test_phone_shown_only_to_the_owning_consultant(client: object, world: World) -> None:
    order = shared_order(client, world)
    url = reverse("order-detail", args=[order.pk])
    assert order.customer.phone in client.get(url).content.decode()  # type: ignore[attr-defined]
    for username in ("c2", "m1"):
        log_in(client, username)
        page = client.get(url).content.decode()  # type: ignore[attr-defined]
        assert order.customer.phone not in page and order.customer.masked_phone in page


# --- query counts ------------------------------------------------------------------------------------------

def test_order_page_queries_do_not_grow_with_rows(client: object, world: World) -> None:
    orders = []
    for rows in (2, 20):
        order, _vehicle = ready_to_deliver(world, "c1")
        services.complete_delivery(order)
        Payment.objects.bulk_create(Payment(store=order.store, order=order, kind="balance", amount=Decimal("1"),
                                            paid_at=timezone.now()) for _ in range(rows))
        DeliveryFollowUp.objects.bulk_create(
            DeliveryFollowUp(store=order.store, delivery=order.delivery, staff=world.staff["c1"],
                             due_on=datetime.date(2026, 12, 1)) for _ in range(rows))
        orders.append(order)
    log_in(client, "m1")
    counts = []
    for order in orders:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("order-detail", args=[order.pk])).status_code == 200  # type: ignore
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- what a store sells, and one order per card ----------------------------------------------------------------


def another_brands_trim(world: World) -> Trim:
    """A trim of a brand of the group that S1 (franchised for 远航) does not sell, with a price in force."""
    brand = Brand.objects.create(code="QT", name="启途")
    model = VehicleModel.objects.create(brand=brand, code="QT-M1", name="M1", segment="SUV")
    trim = Trim.objects.create(vehicle_model=model, code="M1-A", name="M1 标准版", margin_class=world.trim.margin_class)
    TrimPrice.objects.create(trim=trim, valid_from=datetime.date(2020, 1, 1), guide_price=Decimal("229800"),
                             floor_price=Decimal("209800"), cost=Decimal("200000"))
    return trim


def test_an_order_names_a_trim_of_the_stores_brand(client: object, world: World) -> None:
    store = world.stores["S1"]
    store.brand = world.trim.vehicle_model.brand
    store.save()
    foreign = another_brands_trim(world)
    lead = open_lead(world, "c1")
    log_in(client, "c1")
    page = client.get(reverse("order-new", args=[lead.pk]))  # type: ignore[attr-defined]
    assert foreign not in page.context["form"].fields["trim"].queryset
    response = client.post(reverse("order-new", args=[lead.pk]), order_form(world, trim=str(foreign.pk)))  # type: ignore
    assert response.status_code == 200 and "trim" in response.context["form"].errors
    terms = services.OrderTerms(trim=foreign, price_line=TrimPrice.objects.get(trim=foreign), colour="白",
                                price=Decimal("227800"), gifts_cost=Decimal("0"),
                                credits=(services.Credit(world.staff["c1"], Decimal("100")),))
    with pytest.raises(ValidationError, match="does not sell"):
        services.place_order(lead, terms, world.staff["c1"])
    assert not Order.objects.filter(lead=lead).exists()


def test_a_second_order_on_a_card_is_refused_and_the_database_keeps_one(client: object, world: World) -> None:
    lead = open_lead(world, "c1")
    log_in(client, "c1")
    first = place(client, world, lead, **WITHIN)
    again = client.post(reverse("order-new", args=[lead.pk]), order_form(world, **WITHIN))  # type: ignore
    assert again.status_code in (200, 302) and Order.objects.filter(lead=lead).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(store=first.store, lead=lead, customer=first.customer, consultant=first.consultant,
                             trim=first.trim, colour="黑", ordered_at=timezone.now(), guide_price=first.guide_price,
                             floor_price=first.floor_price, price=first.price)


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_place_one_order(world: World) -> None:
    """Two requests posting the order form of one card at the same moment, each on its own connection. On
    PostgreSQL the second waits for the card's lock and is sent back to the card (302, with a message); SQLite
    (in memory here) may refuse the second write as busy: 503, try again, nothing written. A second request that
    starts after the first has committed finds the card no longer open and shows it so (200, nothing written)."""
    lead = open_lead(world, "c1")
    start = threading.Barrier(2, timeout=60)
    answers: list[int] = []

    def click(client: Client) -> None:
        start.wait()
        try:
            answers.append(client.post(reverse("order-new", args=[lead.pk]), order_form(world, **WITHIN)).status_code)
        finally:
            connections.close_all()

    clients = [Client() for _ in range(2)]
    for client in clients:  # logged in first: only the orders race
        client.force_login(User.objects.get(username="c1"))
    threads = [threading.Thread(target=click, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2 and set(answers) <= {200, 302, 503} and 302 in answers, answers
    assert Order.objects.filter(lead=lead).count() == 1
