"""Secondary dealers (stock.dealers), on crafted transfers: monthly targets and the month against them (the
definition of "supplied", completion, setting a target, audited); settlement (the wholesale price in force on the
day a car was supplied, payments applied to cars, never beyond what a car owes, cross-region sales found from the
sales the dealer reports and fined by the store's rule, the balance); the pages that show
them, and who may see and do what. The world gives each store one secondary dealer, with one transfer to it on
2026-09-02."""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealerkpi.core.models import AuditEntry
from dealerkpi.sales.models import Order
from dealerkpi.stock import dealers
from dealerkpi.stock.models import (
    CrossRegionFine,
    DealerPayment,
    DealerPaymentLine,
    DealerTarget,
    SecondaryDealer,
    Transfer,
    Vehicle,
    WholesalePrice,
)
from tests.test_desk_sales import log_in
from tests.world import World, build_world, make_vin

pytestmark = pytest.mark.django_db
NOVEMBER = datetime.date(2026, 11, 1)
_serial = count(91000)


@pytest.fixture
def world() -> World:
    return build_world()


def dealer_of(world: World, store: str = "S1") -> SecondaryDealer:
    return SecondaryDealer.objects.get(store=world.stores[store])


def car(world: World, store: str = "S1") -> Vehicle:
    return Vehicle.objects.create(store=world.stores[store], vin=make_vin(next(_serial)), trim=world.trim,
                                  colour="白", cost=Decimal("205000"), arrived_on=datetime.date(2026, 10, 1),
                                  status=Vehicle.Status.IN_STOCK)


def move(vehicle: Vehicle, day: datetime.date, to: SecondaryDealer | None = None,
         source: SecondaryDealer | None = None) -> Transfer:
    return Transfer.objects.create(store_id=vehicle.store_id, vehicle=vehicle, moved_on=day, from_dealer=source,
                            to_dealer=to)


def test_supplied_is_cars_moved_to_the_dealer_less_those_that_left_it_in_the_month(world: World) -> None:
    first = dealer_of(world)
    second = SecondaryDealer.objects.create(store=world.stores["S1"], code="SDX", name="二网X", territory="吴中区")
    cars = [car(world) for _i in range(5)]
    move(cars[0], datetime.date(2026, 11, 1), to=first)  # first day of the month: in
    move(cars[1], datetime.date(2026, 11, 30), to=first)  # last day: in
    move(cars[2], datetime.date(2026, 10, 31), to=first)  # the month before: out of it
    move(cars[3], datetime.date(2026, 12, 1), to=first)  # the month after: out of it
    move(cars[4], datetime.date(2026, 11, 5), to=first)
    move(cars[4], datetime.date(2026, 11, 9), source=first)  # returned to the store: nets out
    move(cars[2], datetime.date(2026, 11, 12), to=second, source=first)  # passed on: leaves first, not to second
    assert dealers.supplied([first.pk, second.pk], NOVEMBER) == {first.pk: 1, second.pk: 0}
    assert dealers.supplied([first.pk], datetime.date(2026, 10, 1)) == {first.pk: 1}
    assert dealers.supplied([first.pk], datetime.date(2026, 9, 1)) == {first.pk: 1}  # the world's transfer


@pytest.mark.parametrize(("target", "supplied", "expected"), [
    (3, 2, Decimal("66.7")), (8, 1, Decimal("12.5")), (16, 1, Decimal("6.3")), (2, 3, Decimal("150.0")),
    (0, 2, None), (None, 2, None), (4, -1, Decimal("-25.0")),
])
def test_completion_rounds_half_up_to_a_tenth_of_a_per_cent(world: World, target: int | None, supplied: int,
                                                            expected: Decimal | None) -> None:
    assert dealers.Standing(dealer_of(world), target, supplied).completion == expected


def test_standings_read_each_dealers_target_for_the_month_in_three_queries(world: World) -> None:
    ones = [dealer_of(world, store) for store in ("S1", "S2", "S3")]
    dealers.set_target(ones[0], NOVEMBER, 4)
    dealers.set_target(ones[1], datetime.date(2026, 10, 1), 9)  # another month: not November's
    move(car(world), datetime.date(2026, 11, 3), to=ones[0])
    with CaptureQueriesContext(connection) as queries:
        lines = dealers.standings(ones, NOVEMBER)
    assert len(queries) == 3
    assert [(line.dealer, line.target, line.supplied, line.completion) for line in lines] == [
        (ones[0], 4, 1, Decimal("25.0")), (ones[1], None, 0, None), (ones[2], None, 0, None)]


def test_the_manager_sets_a_target_which_is_audited_and_shown(client: object, world: World) -> None:
    dealer = dealer_of(world)
    log_in(client, "m1")
    url = reverse("dealer-target", args=[dealer.pk])
    response = client.post(url, {"month": "2026-11", "units": "4"})  # type: ignore[attr-defined]
    assert response.status_code == 302 and response["Location"].endswith("?month=2026-11")
    assert client.post(url, {"month": "2026-11", "units": "5"}).status_code == 302  # type: ignore[attr-defined]
    assert list(DealerTarget.objects.values_list("dealer", "month", "units", "store")) == [
        (dealer.pk, NOVEMBER, 5, world.stores["S1"].pk)]
    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(DealerTarget)).order_by("pk")
    assert [entry.action for entry in entries] == [AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE]
    move(car(world), datetime.date(2026, 11, 3), to=dealer)
    page = client.get(reverse("dealer-detail", args=[dealer.pk]), {"month": "2026-11"})  # type: ignore
    standing = page.context["standing"]
    assert (standing.target, standing.supplied, standing.completion) == (5, 1, Decimal("20.0"))
    assert 'data-testid="completion">20.0%' in page.content.decode()


@pytest.mark.parametrize("data", [
    {"month": "2026-13", "units": "4"}, {"month": "November", "units": "4"}, {"month": "", "units": "4"},
    {"month": "2026-11", "units": "-1"}, {"month": "2026-11", "units": "10000"}, {"month": "2026-11", "units": "x"},
    {"month": "2026-11"}, {"month": "9999-11", "units": "4"}, {"month": "２０２６-11", "units": "4"},
])
def test_bad_targets_get_field_errors(client: object, world: World, data: dict[str, str]) -> None:
    log_in(client, "m1")
    response = client.post(reverse("dealer-target", args=[dealer_of(world).pk]), data)  # type: ignore
    assert response.status_code == 400
    assert set(response.context["target_form"].errors) <= {"month", "units"} and response.context["target_form"].errors
    assert not DealerTarget.objects.exists()


@pytest.mark.parametrize(("username", "status"), [
    ("c1", 403), ("sup1", 403), ("hr1", 403), ("ho_r1", 403), ("ho_group", 403), ("m2", 404), ("c4", 404),
    ("gm1", 302), ("m1", 302),
])
def test_who_may_set_a_target(client: object, world: World, username: str, status: int) -> None:
    log_in(client, username)
    response = client.post(reverse("dealer-target", args=[dealer_of(world).pk]),  # type: ignore[attr-defined]
                           {"month": "2026-11", "units": "4"})
    assert response.status_code == status
    assert DealerTarget.objects.exists() == (status == 302)


@pytest.mark.parametrize(("username", "form_shown"), [
    ("m1", True), ("gm1", True), ("c1", False), ("ho_r1", False),
])
def test_the_dealer_page_offers_the_target_form_only_to_the_management(client: object, world: World,
                                                                       username: str, form_shown: bool) -> None:
    log_in(client, username)
    page = client.get(reverse("dealer-detail", args=[dealer_of(world).pk]))  # type: ignore[attr-defined]
    assert page.status_code == 200
    assert (page.context["target_form"] is not None) == form_shown
    assert ('data-testid="target-form"' in page.content.decode()) == form_shown


@pytest.mark.parametrize("month", ["2026-13", "x", "０１", "9999-01", ""])
def test_a_bad_month_on_the_dealer_page_shows_this_month(client: object, world: World, month: str) -> None:
    log_in(client, "m1")
    page = client.get(reverse("dealer-detail", args=[dealer_of(world).pk]), {"month": month})  # type: ignore
    assert page.status_code == 200 and page.context["month"].day == 1


def test_the_overview_lists_each_dealers_month_against_target(client: object, world: World) -> None:
    month = timezone.localdate().replace(day=1)
    dealer = dealer_of(world, "S1")
    dealers.set_target(dealer, month, 2)
    move(car(world), month, to=dealer)
    log_in(client, "ho_r1")
    lines = client.get(reverse("stock-overview")).context["dealers"]  # type: ignore[attr-defined]
    assert [(line.dealer.store.code, line.target, line.supplied, line.completion) for line in lines] == [
        ("S1", 2, 1, Decimal("50.0")), ("S2", None, 0, None)]


# --- settlement -------------------------------------------------------------------------------------------------


def price(world: World, day: datetime.date, amount: str, store: str = "S1") -> None:
    dealers.set_price(world.stores[store], world.trim.pk, day, Decimal(amount))


def test_a_car_owes_the_price_in_force_on_the_day_it_was_supplied_until_it_leaves(world: World) -> None:
    """The world's car went to the dealer on 2026-09-02 (before any price: not priced)."""
    dealer = dealer_of(world)
    other = SecondaryDealer.objects.create(store=world.stores["S1"], code="SDY", name="二网Y", territory="吴中区")
    price(world, datetime.date(2026, 10, 1), "150000.00")
    price(world, datetime.date(2026, 11, 10), "148000.50")
    price(world, datetime.date(2026, 10, 1), "151000.00", store="S2")  # another store's price: not S1's
    cars = [car(world) for _i in range(5)]
    kept = [move(cars[0], datetime.date(2026, 10, 1), to=dealer),  # the first price's first day
            move(cars[1], datetime.date(2026, 11, 9), to=dealer),  # the day before the second price
            move(cars[2], datetime.date(2026, 11, 10), to=dealer)]  # the second price's first day
    move(cars[3], datetime.date(2026, 11, 1), to=dealer)
    move(cars[3], datetime.date(2026, 11, 2), source=dealer)  # returned to the store: owed no more
    move(cars[4], datetime.date(2026, 11, 1), to=other)
    move(cars[4], datetime.date(2026, 11, 3), to=dealer, source=other)  # passed on by a dealer: not supplied
    again = move(cars[3], datetime.date(2026, 11, 20), to=dealer)  # supplied again: owed once, from then
    books = dealers.account(dealer)
    assert [(s.transfer.pk, s.owed) for s in books.supplies] == [
        (Transfer.objects.get(vehicle__store=world.stores["S1"], moved_on=datetime.date(2026, 9, 2)).pk, None),
        (kept[0].pk, Decimal("150000.00")), (kept[1].pk, Decimal("150000.00")), (kept[2].pk, Decimal("148000.50")),
        (again.pk, Decimal("148000.50"))]
    assert (books.owed, books.received, books.balance, books.unpriced) == (
        Decimal("596001.00"), Decimal("0.00"), Decimal("596001.00"), 1)
    assert [s.transfer.pk for s in books.payable()] == [kept[0].pk, kept[1].pk, kept[2].pk, again.pk]
    assert [s.owed for s in dealers.account(other).supplies] == []  # its car left it


def test_payments_are_applied_to_cars_and_never_beyond_what_a_car_owes(world: World) -> None:
    dealer = dealer_of(world)
    price(world, datetime.date(2026, 10, 1), "100000.00")
    first, second = (move(car(world), datetime.date(2026, 11, 2), to=dealer) for _i in range(2))
    day = datetime.date(2026, 11, 25)
    dealers.record_payment(dealer, day, "BANK-1", {first.pk: Decimal("100000.00"), second.pk: Decimal("0.01")})
    books = dealers.account(dealer)
    assert [(s.paid, s.is_paid, s.outstanding) for s in books.supplies[1:]] == [
        (Decimal("100000.00"), True, Decimal("0.00")), (Decimal("0.01"), False, Decimal("99999.99"))]
    assert (books.received, books.balance) == (Decimal("100000.01"), Decimal("99999.99"))
    with pytest.raises(ValidationError) as refused:
        dealers.record_payment(dealer, day, "BANK-2", {first.pk: Decimal("1.00"), second.pk: Decimal("99999.99")})
    assert set(refused.value.message_dict) == {dealers.payment_field(first.pk)}
    with pytest.raises(ValidationError) as refused:
        dealers.record_payment(dealer, day, "BANK-2", {second.pk: Decimal("100000.00")})
    assert set(refused.value.message_dict) == {dealers.payment_field(second.pk)}
    assert DealerPayment.objects.count() == 1 and DealerPaymentLine.objects.count() == 2  # nothing half-written
    unpriced = Transfer.objects.get(to_dealer=dealer, moved_on=datetime.date(2026, 9, 2))
    with pytest.raises(ValidationError) as refused:
        dealers.record_payment(dealer, day, "BANK-3", {unpriced.pk: Decimal("5.00")})
    assert set(refused.value.message_dict) == {dealers.payment_field(unpriced.pk)}


def test_the_account_is_two_queries_however_many_cars(world: World) -> None:
    dealer = dealer_of(world)
    price(world, datetime.date(2026, 10, 1), "100000.00")
    for _i in range(4):
        move(car(world), datetime.date(2026, 11, 2), to=dealer)
    with CaptureQueriesContext(connection) as queries:
        books = dealers.account(dealer)
        assert books.balance == Decimal("400000.00")
    assert len(queries) == 2


def test_the_manager_records_a_payment_and_sees_the_balance(client: object, world: World) -> None:
    dealer = dealer_of(world)
    price(world, datetime.date(2026, 10, 1), "100000.00")
    supplied = move(car(world), datetime.date(2026, 11, 2), to=dealer)
    field = dealers.payment_field(supplied.pk)
    log_in(client, "m1")
    url = reverse("dealer-payment", args=[dealer.pk])
    too_much = client.post(url, {"paid_on": "2026-11-25", "reference": "B1", field: "100000.01"})  # type: ignore
    assert too_much.status_code == 400 and field in too_much.context["form"].errors
    nothing = client.post(url, {"paid_on": "2026-11-25", "reference": "B1", field: ""})  # type: ignore
    assert nothing.status_code == 400 and nothing.context["form"].non_field_errors()
    assert client.post(url, {"paid_on": "2026-11-25", "reference": " B1 ", field: "60000.5"}).status_code == 302  # type: ignore
    assert list(DealerPayment.objects.values_list("reference", "amount", "store")) == [
        ("B1", Decimal("60000.50"), world.stores["S1"].pk)]
    page = client.get(reverse("dealer-settlement", args=[dealer.pk]))  # type: ignore[attr-defined]
    assert page.context["account"].balance == Decimal("39999.50")
    assert 'data-testid="balance">39,999.50<' in page.content.decode()
    created = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(DealerPayment))
    assert created.count() == 1


def test_a_payment_on_account_counts_in_the_balance_and_covers_the_oldest_cars(world: World) -> None:
    dealer = dealer_of(world)
    price(world, datetime.date(2026, 10, 1), "100000.00")
    first, second, third = (move(car(world), datetime.date(2026, 11, day), to=dealer) for day in (2, 3, 4))
    day = datetime.date(2026, 11, 25)
    dealers.record_payment(dealer, day, "BANK-1", {second.pk: Decimal("40000.00")})
    dealers.record_payment(dealer, day, "BANK-2", {}, on_account=Decimal("130000.00"))
    books = dealers.account(dealer)
    # owed 300000 (the world's car of 2026-09-02 has no price); received 170000, 40000 of it for the second car
    assert (books.received, books.on_account, books.balance) == (
        Decimal("170000.00"), Decimal("130000.00"), Decimal("130000.00"))
    # 130000 on account: the first car (100000) in full, then the second's 60000 left, then nothing for the third
    assert [(s.covered, s.is_covered) for s in books.supplies[1:]] == [
        (Decimal("100000.00"), True), (Decimal("30000.00"), False), (Decimal("0.00"), False)]
    assert books.credit == Decimal("0.00")
    dealers.record_payment(dealer, day, "BANK-3", {}, on_account=Decimal("200000.00"))
    books = dealers.account(dealer)  # more on account than is owed: every car covered, the rest is credit
    assert (books.balance, books.credit) == (Decimal("-70000.00"), Decimal("70000.00"))
    assert all(s.is_covered for s in books.supplies[1:] if s.transfer.pk != second.pk)
    dealers.set_fine(world.stores["S1"], Decimal("5000.00"))  # a fine is covered from the credit too
    dealers.report_sale(dealer, first.pk, day, "外地区")
    books = dealers.account(dealer)
    assert (books.fines, books.balance, books.credit) == (
        Decimal("5000.00"), Decimal("-65000.00"), Decimal("65000.00"))
    payment = DealerPayment.objects.get(reference="BANK-2")
    assert (payment.amount, payment.lines.count()) == (Decimal("130000.00"), 0)
    with pytest.raises(ValidationError):
        dealers.record_payment(dealer, day, "BANK-4", {})
    with pytest.raises(ValidationError) as refused:
        dealers.record_payment(dealer, day, "BANK-4", {}, on_account=Decimal("-1"))
    assert set(refused.value.message_dict) == {dealers.ON_ACCOUNT}
    assert DealerPayment.objects.count() == 3


def test_the_manager_records_a_payment_on_account_in_the_browser(client: object, world: World) -> None:
    dealer = dealer_of(world)
    price(world, datetime.date(2026, 10, 1), "100000.00")
    supplied = move(car(world), datetime.date(2026, 11, 2), to=dealer)
    log_in(client, "m1")
    url = reverse("dealer-payment", args=[dealer.pk])
    for bad in ("-5", "0", "1.001", "NaN", "x"):
        response = client.post(url, {"paid_on": "2026-11-25", "reference": "B", "on_account": bad})  # type: ignore
        assert response.status_code == 400 and "on_account" in response.context["form"].errors
    both = {"paid_on": "2026-11-25", "reference": "B1", "on_account": "25000",
            dealers.payment_field(supplied.pk): "10000"}
    assert client.post(url, both).status_code == 302  # type: ignore[attr-defined]
    payment = DealerPayment.objects.get()
    assert (payment.amount, payment.lines.get().amount) == (Decimal("35000.00"), Decimal("10000.00"))
    page = client.get(reverse("dealer-settlement", args=[dealer.pk]))  # type: ignore[attr-defined]
    html = page.content.decode()
    assert 'data-testid="on-account">25,000.00<' in html and 'data-testid="balance">65,000.00<' in html
    assert 'data-testid="covered">25,000.00<' in html
    created = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(DealerPayment),
                                        object_id=str(payment.pk), action="create").get()
    assert created.actor.username == "m1" and created.after["amount"] == "35000.00"


@pytest.mark.parametrize("data", [
    {"paid_on": "2026-02-30", "reference": "B", "amount": "1"}, {"paid_on": "", "reference": "B", "amount": "1"},
    {"paid_on": "2999-01-01", "reference": "B", "amount": "1"}, {"paid_on": "2026-11-25", "reference": " ",
                                                                   "amount": "1"},
    {"paid_on": "2026-11-25", "reference": "B", "amount": "-5"}, {"paid_on": "2026-11-25", "reference": "B",
                                                                   "amount": "1.001"},
    {"paid_on": "2026-11-25", "reference": "B", "amount": "NaN"}, {"paid_on": "2026-11-25", "reference": "B",
                                                                    "amount": "1e9"},
    {"paid_on": "2026-11-25", "reference": "B" * 51, "amount": "1"},
])
def test_bad_payments_get_field_errors(client: object, world: World, data: dict[str, str]) -> None:
    dealer = dealer_of(world)
    price(world, datetime.date(2026, 10, 1), "100000.00")
    supplied = move(car(world), datetime.date(2026, 11, 2), to=dealer)
    posted = {**data, dealers.payment_field(supplied.pk): data.pop("amount")}
    log_in(client, "m1")
    response = client.post(reverse("dealer-payment", args=[dealer.pk]), posted)  # type: ignore[attr-defined]
    assert response.status_code == 400 and response.context["form"].errors
    assert not DealerPayment.objects.exists()


def test_the_manager_sets_wholesale_prices_with_field_errors_for_bad_ones(client: object, world: World) -> None:
    log_in(client, "m1")
    url = reverse("dealer-prices")
    good = {"trim": world.trim.pk, "valid_from": "2026-11-01", "price": "123456.78"}
    assert client.post(url, good).status_code == 302  # type: ignore[attr-defined]
    assert client.post(url, {**good, "price": "123000"}).status_code == 302  # type: ignore  # the same day: changed
    assert list(WholesalePrice.objects.values_list("valid_from", "price")) == [
        (NOVEMBER, Decimal("123000.00"))]
    for bad in ({"price": "0"}, {"price": "-1"}, {"price": "1.234"}, {"valid_from": "2026-13-01"},
                {"trim": "999999"}, {"trim": "x"}):
        response = client.post(url, {**good, **bad})  # type: ignore[attr-defined]
        assert response.status_code == 400 and set(response.context["form"].errors) <= {"trim", "valid_from",
                                                                                        "price"}
    assert WholesalePrice.objects.count() == 1
    log_in(client, "m2")
    assert client.get(url).context["prices"].count() == 0  # type: ignore[attr-defined]  # S1's price: not S2's


@pytest.mark.parametrize(("username", "read", "act"), [
    ("m1", 200, 302), ("gm1", 200, 302), ("c1", 403, 403), ("sup1", 403, 403), ("hr1", 403, 403),
    ("m2", 404, 404), ("ho_r1", 200, 403), ("ho_group", 200, 403),
])
def test_who_may_see_and_settle(client: object, world: World, username: str, read: int, act: int) -> None:
    dealer = dealer_of(world)
    price(world, datetime.date(2026, 10, 1), "100000.00")
    supplied = move(car(world), datetime.date(2026, 11, 2), to=dealer)
    log_in(client, username)
    page = client.get(reverse("dealer-settlement", args=[dealer.pk]))  # type: ignore[attr-defined]
    assert page.status_code == read
    if read == 200:
        assert (page.context["form"] is not None) == (act == 302)
    response = client.post(reverse("dealer-payment", args=[dealer.pk]), {  # type: ignore[attr-defined]
        "paid_on": "2026-11-25", "reference": "B", dealers.payment_field(supplied.pk): "1"})
    assert response.status_code == act
    assert DealerPayment.objects.exists() == (act == 302)
    prices = client.get(reverse("dealer-prices"))  # type: ignore[attr-defined]
    assert prices.status_code == (403 if read == 403 else 200)
    setting = client.post(reverse("dealer-prices"), {  # type: ignore[attr-defined]
        "trim": world.trim.pk, "valid_from": "2026-12-01", "price": "1"})
    assert setting.status_code == (302 if username in {"m1", "gm1", "m2"} else 403)  # m2: for S2
    detail = client.get(reverse("dealer-detail", args=[dealer.pk]))  # type: ignore[attr-defined]
    if detail.status_code == 200:
        assert ('data-testid="settlement-link"' in detail.content.decode()) == (read == 200)


# --- cross-region sales ----------------------------------------------------------------------------------------


def test_a_sale_outside_the_territory_is_fined_the_rule_in_force_when_reported(world: World) -> None:
    """The world's dealer may sell into 吴江区 only; its 2026-09-02 car is not priced."""
    dealer = dealer_of(world)
    SecondaryDealer.objects.filter(pk=dealer.pk).update(territory="吴江区\n 吴中区 \n")
    dealer.refresh_from_db()
    price(world, datetime.date(2026, 10, 1), "100000.00")
    inside, outside, early, later = (move(car(world), datetime.date(2026, 11, 2), to=dealer) for _i in range(4))
    dealers.report_sale(dealer, early.pk, datetime.date(2026, 11, 3), "姑苏区")  # no rule yet: found, fined 0
    dealers.set_fine(world.stores["S1"], Decimal("5000.00"))
    dealers.set_fine(world.stores["S2"], Decimal("9999.00"))  # another store's rule: not S1's
    dealers.report_sale(dealer, inside.pk, datetime.date(2026, 11, 4), " 吴中区 ")
    dealers.report_sale(dealer, outside.pk, datetime.date(2026, 11, 5), "姑苏区")
    dealers.set_fine(world.stores["S1"], Decimal("8000.00"))  # later sales only
    dealers.report_sale(dealer, later.pk, datetime.date(2026, 11, 6), "虎丘区")
    books = dealers.account(dealer)
    assert [(s.transfer.pk, s.transfer.fine) for s in books.cross_region()] == [
        (outside.pk, Decimal("5000.00")), (early.pk, Decimal("0.00")), (later.pk, Decimal("8000.00"))]
    assert Transfer.objects.get(pk=inside.pk).fine is None
    assert (books.owed, books.fines, books.balance) == (
        Decimal("400000.00"), Decimal("13000.00"), Decimal("413000.00"))
    assert len(books.unreported()) == 1  # the world's car


def test_a_dealer_without_a_territory_sells_anywhere(world: World) -> None:
    dealer = dealer_of(world)
    SecondaryDealer.objects.filter(pk=dealer.pk).update(territory=" \n")
    dealer.refresh_from_db()
    dealers.set_fine(world.stores["S1"], Decimal("5000.00"))
    supplied = move(car(world), datetime.date(2026, 11, 2), to=dealer)
    dealers.report_sale(dealer, supplied.pk, datetime.date(2026, 11, 4), "姑苏区")
    assert dealers.account(dealer).cross_region() == [] and dealers.account(dealer).fines == Decimal("0.00")


def test_a_sale_is_reported_once_for_a_car_the_dealer_has_after_it_was_supplied(world: World) -> None:
    dealer = dealer_of(world)
    supplied = move(car(world), datetime.date(2026, 11, 2), to=dealer)
    elsewhere = move(car(world, "S2"), datetime.date(2026, 11, 2), to=dealer_of(world, "S2"))
    for transfer_id, day, field in ((supplied.pk, datetime.date(2026, 11, 1), "sold_on"),
                                    (elsewhere.pk, datetime.date(2026, 11, 3), "supply"),
                                    (999999, datetime.date(2026, 11, 3), "supply")):
        with pytest.raises(ValidationError) as refused:
            dealers.report_sale(dealer, transfer_id, day, "姑苏区")
        assert set(refused.value.message_dict) == {field}
    dealers.report_sale(dealer, supplied.pk, datetime.date(2026, 11, 3), "吴江区")
    with pytest.raises(ValidationError):
        dealers.report_sale(dealer, supplied.pk, datetime.date(2026, 11, 4), "姑苏区")
    assert Transfer.objects.get(pk=supplied.pk).sold_in_district == "吴江区"
    reported = AuditEntry.objects.get(object_id=str(supplied.pk), content_type__model="transfer")
    assert (reported.before["sold_on"], reported.after["sold_in_district"]) == (None, "吴江区"), "the report is audited"


def test_the_manager_sets_the_fine_and_reports_a_sale_in_the_browser_forms(client: object, world: World) -> None:
    dealer = dealer_of(world)
    price(world, datetime.date(2026, 10, 1), "100000.00")
    supplied = move(car(world), datetime.date(2026, 11, 2), to=dealer)
    log_in(client, "m1")
    for bad in ("-1", "x", "1.001", ""):
        response = client.post(reverse("dealer-fine"), {"per_car": bad})  # type: ignore[attr-defined]
        assert response.status_code == 400 and response.context["fine_form"].errors["per_car"]
    assert client.post(reverse("dealer-fine"), {"per_car": "3000"}).status_code == 302  # type: ignore
    assert AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(CrossRegionFine)).count() == 1
    url = reverse("dealer-sale", args=[dealer.pk])
    for bad in ({"supply": "999999"}, {"supply": "x"}, {"sold_on": "2026-11-01"}, {"sold_on": "2999-01-01"},
                {"district": " "}, {"district": "区" * 51}):
        response = client.post(url, {"supply": supplied.pk, "sold_on": "2026-11-20", "district": "姑苏区",  # type: ignore
                                     **bad})
        assert response.status_code == 400, bad
        assert response.context["sale_form"].errors, bad
    assert client.post(url, {"supply": supplied.pk, "sold_on": "2026-11-20", "district": "姑苏区"}).status_code == 302  # type: ignore
    page = client.get(reverse("dealer-settlement", args=[dealer.pk]))  # type: ignore[attr-defined]
    assert page.context["account"].balance == Decimal("103000.00")
    assert 'data-testid="fines">3,000.00<' in page.content.decode()


@pytest.mark.parametrize(("username", "status"), [
    ("m1", 302), ("c1", 403), ("sup1", 403), ("m2", 404), ("ho_r1", 403),
])
def test_who_may_report_a_sale(client: object, world: World, username: str, status: int) -> None:
    dealer = dealer_of(world)
    supplied = move(car(world), datetime.date(2026, 11, 2), to=dealer)
    log_in(client, username)
    response = client.post(reverse("dealer-sale", args=[dealer.pk]), {  # type: ignore[attr-defined]
        "supply": supplied.pk, "sold_on": "2026-11-20", "district": "姑苏区"})
    assert response.status_code == status
    assert Transfer.objects.get(pk=supplied.pk).sold_on == (datetime.date(2026, 11, 20) if status == 302 else None)
    fine = client.post(reverse("dealer-fine"), {"per_car": "1"})  # type: ignore[attr-defined]
    assert fine.status_code == (302 if username in {"m1", "m2"} else 403)


def test_a_car_the_store_sold_itself_on_an_order_is_not_owed_by_the_dealer(world: World) -> None:
    dealer = dealer_of(world)
    price(world, datetime.date(2026, 10, 1), "100000.00")
    sold = Order.objects.filter(store=world.stores["S1"], vehicle__isnull=False).first().vehicle
    move(sold, datetime.date(2026, 11, 2), to=dealer)
    kept = move(car(world), datetime.date(2026, 11, 2), to=dealer)
    assert [s.transfer.pk for s in dealers.account(dealer).supplies if s.owed is not None] == [kept.pk]
