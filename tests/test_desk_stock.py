"""Stock pages on the hand-built world: structure by model and age band, the stock coefficient, filters and
pagination, transfers to and from secondary dealers, scope and query counts. The world gives each store one
vehicle in stock (arrived 2026-09-01), demo and delivered vehicles (not on hand), and one secondary dealer."""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealerkpi.catalog.models import Trim, VehicleModel
from dealerkpi.org.models import Store
from dealerkpi.sales.models import Delivery, Order, OrderCredit, Reversal
from dealerkpi.stock import services
from dealerkpi.stock.models import SecondaryDealer, Transfer, Vehicle
from tests.test_desk_sales import log_in
from tests.world import World, build_world, make_vin

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 30)
_serial = count(80000)


@pytest.fixture
def world() -> World:
    return build_world()


def vehicle(world: World, store: str = "S1", arrived: datetime.date | None = TODAY, status: str = "in_stock",
            trim: Trim | None = None, dealer: SecondaryDealer | None = None) -> Vehicle:
    return Vehicle.objects.create(store=world.stores[store], vin=make_vin(next(_serial)), trim=trim or world.trim,
                                  colour="白", cost=Decimal("205000"), arrived_on=arrived, status=status,
                                  secondary_dealer=dealer)


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def second_model(world: World) -> Trim:
    model = VehicleModel.objects.create(brand=world.trim.vehicle_model.brand, code="YH-S5", name="S5")
    return Trim.objects.create(vehicle_model=model, code="YH-S5-STD", name="1.5T", margin_class=world.trim.margin_class)


def test_structure_by_model_and_age_band(world: World) -> None:
    """Ages 0, 30 | 31, 60 | 61, 90 | 91, 200 days; S5: 15 days (at a dealer) and one with no arrival date.
    Delivered, demo and in-transit vehicles are not on hand; the world's S1 vehicle arrived 2026-09-01 (90 days)."""
    s5 = second_model(world)
    dealer = SecondaryDealer.objects.get(store=world.stores["S1"])
    for age in (0, 30, 31, 60, 61, 90, 91, 200):
        vehicle(world, arrived=days_ago(age))
    vehicle(world, arrived=days_ago(15), trim=s5, dealer=dealer, status="allocated")
    vehicle(world, arrived=None, trim=s5)
    vehicle(world, arrived=days_ago(5), status="delivered")
    vehicle(world, arrived=None, status="in_transit")
    on_hand = Vehicle.objects.filter(store=world.stores["S1"], status__in=services.ON_HAND)
    table = services.structure(on_hand, TODAY)
    assert table.labels == ("0-30", "31-60", "61-90", "90+", services.NO_DATE)
    assert table.lines() == [("S5", [1, 0, 0, 0, 1], 2), ("S7", [2, 2, 3, 2, 0], 9)]
    assert table.totals() == ([3, 2, 3, 2, 1], 11)


def test_structure_is_one_query(world: World) -> None:
    for age in (1, 40, 70, 100):
        vehicle(world, arrived=days_ago(age))
    with CaptureQueriesContext(connection) as queries:
        services.structure(Vehicle.objects.filter(status__in=services.ON_HAND), TODAY).lines()
    assert len(queries) == 1


@pytest.mark.parametrize(("stock", "deliveries", "expected"), [
    (3, 2, Decimal("1.50")), (7, 3, Decimal("2.33")), (2, 3, Decimal("0.67")), (5, 0, None),
])
def test_coefficient(stock: int, deliveries: int, expected: Decimal | None) -> None:
    assert services.coefficient(stock, deliveries) == expected


def deliver(world: World, when: datetime.datetime, unwound: bool = False) -> Delivery:
    c1, store = world.staff["c1"], world.stores["S1"]
    sold = vehicle(world, status="delivered")
    order = Order.objects.create(store=store, customer=c1.customers.first(), consultant=c1, trim=world.trim,
                                 colour="白", ordered_at=when - datetime.timedelta(days=5), vehicle=sold,
                                 guide_price=Decimal("229800"), floor_price=Decimal("209800"),
                                 price=Decimal("220000"), status="unwound" if unwound else "delivered")
    OrderCredit.objects.create(store=store, order=order, staff=c1, share=100)
    if unwound:
        Reversal.objects.create(store=store, order=order, kind="unwind", at=when, reason="退车", recorded_by=c1)
    return Delivery.objects.create(store=store, order=order, vehicle=sold, delivered_at=when)


def test_overview_shows_the_coefficient_against_the_warning_line(client: object, world: World) -> None:
    """On hand: the world's vehicle + 8 = 9. Deliveries in the last 30 days: 5, one of them unwound = 4 (one 31
    days ago does not count). 9 / 4 = 2.25, above the 1.5 line."""
    for age in range(8):
        vehicle(world, arrived=days_ago(age))
    now = timezone.now()
    for days in (1, 2, 10, 29):
        deliver(world, now - datetime.timedelta(days=days))
    deliver(world, now - datetime.timedelta(days=3), unwound=True)
    deliver(world, now - datetime.timedelta(days=31))
    log_in(client, "m1")
    response = client.get(reverse("stock-overview"))  # type: ignore[attr-defined]
    assert (response.context["stock"], response.context["deliveries"]) == (9, 4)
    assert response.context["coefficient"] == Decimal("2.25")
    page = response.content.decode()
    assert 'data-testid="coefficient" class="over">2.25' in page
    assert "above the 1.5 warning line" in page


def test_no_deliveries_gives_no_coefficient(client: object, world: World) -> None:
    log_in(client, "m1")
    response = client.get(reverse("stock-overview"))  # type: ignore[attr-defined]
    assert (response.context["stock"], response.context["coefficient"]) == (1, None)
    assert 'class="over"' not in response.content.decode()


def listed(response: object) -> set[str]:
    return {v.vin for v in response.context["page"]}  # type: ignore[attr-defined]


def test_filters_by_model_status_and_location(client: object, world: World) -> None:
    s5 = second_model(world)
    dealer = SecondaryDealer.objects.get(store=world.stores["S1"])
    at_store = vehicle(world)
    at_dealer = vehicle(world, trim=s5, dealer=dealer)
    allocated = vehicle(world, status="allocated")
    transit = vehicle(world, status="in_transit", arrived=None)
    original = Vehicle.objects.get(store=world.stores["S1"], status="in_stock", arrived_on=datetime.date(2026, 9, 1))
    log_in(client, "c1")
    url = reverse("stock-overview")
    on_hand = {at_store.vin, at_dealer.vin, allocated.vin, original.vin}
    assert listed(client.get(url)) == on_hand  # type: ignore[attr-defined]
    assert listed(client.get(url, {"model": s5.vehicle_model_id})) == {at_dealer.vin}  # type: ignore
    assert listed(client.get(url, {"location": dealer.pk})) == {at_dealer.vin}  # type: ignore
    assert listed(client.get(url, {"location": "store"})) == on_hand - {at_dealer.vin}  # type: ignore
    assert listed(client.get(url, {"status": "in_transit"})) == {transit.vin}  # type: ignore
    everything = listed(client.get(url, {"status": "all"}))  # type: ignore[attr-defined]
    assert everything == set(Vehicle.objects.filter(store=world.stores["S1"]).values_list("vin", flat=True))
    assert listed(client.get(url, {"status": "nonsense"})) == on_hand  # bad input: the default  # type: ignore


def test_pagination_keeps_the_filters(client: object, world: World) -> None:
    Vehicle.objects.bulk_create(
        Vehicle(store=world.stores["S1"], vin=make_vin(next(_serial)), trim=world.trim, colour="黑",
                cost=Decimal("205000"), arrived_on=days_ago(n % 100), status="in_stock") for n in range(59))
    log_in(client, "m1")
    first = client.get(reverse("stock-overview"), {"location": "store"})  # type: ignore[attr-defined]
    assert len(first.context["page"]) == 50 and first.context["page"].paginator.count == 60
    assert "?location=store&amp;page=2" in first.content.decode()
    second = client.get(reverse("stock-overview"), {"location": "store", "page": 2})  # type: ignore[attr-defined]
    assert len(second.context["page"]) == 10


@pytest.mark.parametrize(("username", "stores"), [
    ("c1", {"S1"}), ("sup1", {"S1"}), ("m1", {"S1"}), ("hr1", {"S1"}), ("m2", {"S2"}), ("c6", {"S4"}),
    ("ho_r1", {"S1", "S2"}), ("ho_group", {"S1", "S2", "S3"}),
])
def test_each_role_sees_the_stock_of_its_stores(client: object, world: World, username: str, stores: set[str]) -> None:
    log_in(client, username)
    response = client.get(reverse("stock-overview"), {"status": "all"})  # type: ignore[attr-defined]
    expected = set(Vehicle.objects.filter(store__code__in=stores).values_list("vin", flat=True))
    assert listed(response) == expected
    for store in Store.objects.exclude(code__in=stores):
        other = Vehicle.objects.filter(store=store).first()
        assert client.get(reverse("vehicle-detail", args=[other.pk])).status_code == 404  # type: ignore
        dealer = SecondaryDealer.objects.get(store=store)
        assert client.get(reverse("dealer-detail", args=[dealer.pk])).status_code == 404  # type: ignore


def test_transfers_to_a_dealer_and_back(client: object, world: World) -> None:
    car = vehicle(world)
    dealer = SecondaryDealer.objects.get(store=world.stores["S1"])
    url = reverse("vehicle-transfer", args=[car.pk])
    log_in(client, "m1")
    assert client.post(url, {"to_dealer": dealer.pk, "moved_on": "2026-11-20"}).status_code == 302  # type: ignore
    car.refresh_from_db()
    assert car.secondary_dealer == dealer
    page = client.get(reverse("dealer-detail", args=[dealer.pk]))  # type: ignore[attr-defined]
    assert listed(page) == {car.vin} and "吴江区" in page.content.decode()
    response = client.post(url, {"to_dealer": dealer.pk, "moved_on": "2026-11-21"})  # type: ignore[attr-defined]
    assert response.status_code == 400 and response.context["form"].errors["to_dealer"]
    assert client.post(url, {"to_dealer": "", "moved_on": "2026-11-22"}).status_code == 302  # type: ignore
    assert list(Transfer.objects.filter(vehicle=car).order_by("moved_on").values_list(
        "from_dealer", "to_dealer")) == [(None, dealer.pk), (dealer.pk, None)]
    car.refresh_from_db()
    assert car.secondary_dealer is None
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = client.post(url, {"to_dealer": dealer.pk, "moved_on": future})  # type: ignore[attr-defined]
    assert response.status_code == 400 and response.context["form"].errors["moved_on"]


def test_only_vehicles_in_stock_move_and_only_managers_move_them(client: object, world: World) -> None:
    dealer = SecondaryDealer.objects.get(store=world.stores["S1"])
    allocated = vehicle(world, status="allocated")
    car = vehicle(world)
    log_in(client, "m1")
    response = client.post(reverse("vehicle-transfer", args=[allocated.pk]),  # type: ignore[attr-defined]
                           {"to_dealer": dealer.pk, "moved_on": "2026-11-20"})
    assert response.status_code == 400
    for username, status in (("c1", 403), ("sup1", 403), ("hr1", 403), ("ho_group", 403), ("m2", 404)):
        log_in(client, username)
        response = client.post(reverse("vehicle-transfer", args=[car.pk]),  # type: ignore[attr-defined]
                               {"to_dealer": dealer.pk, "moved_on": "2026-11-20"})
        assert response.status_code == status, username
    assert not Transfer.objects.filter(vehicle__in=[car, allocated]).exists()


def test_overview_queries_do_not_grow_with_rows(client: object, world: World) -> None:
    log_in(client, "m1")
    counts = []
    for extra in (1, 19):  # 2 and 20 vehicles on hand with the world's one
        Vehicle.objects.filter(vin__startswith="LDK8").delete()
        for n in range(extra):
            vehicle(world, arrived=days_ago(n * 7), dealer=SecondaryDealer.objects.get(store=world.stores["S1"])
                    if n % 2 else None)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("stock-overview"))  # type: ignore[attr-defined]
        assert len(response.context["page"]) == extra + 1
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_vehicle_and_dealer_pages_queries_do_not_grow_with_rows(client: object, world: World) -> None:
    dealer = SecondaryDealer.objects.get(store=world.stores["S1"])
    log_in(client, "m1")
    counts = []
    for extra in (2, 20):
        Vehicle.objects.filter(secondary_dealer=dealer).update(secondary_dealer=None)
        cars = [vehicle(world, dealer=dealer) for _ in range(extra)]
        Transfer.objects.bulk_create(Transfer(store=world.stores["S1"], vehicle=car, moved_on=TODAY, to_dealer=dealer)
                                     for car in cars)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("dealer-detail", args=[dealer.pk]))  # type: ignore[attr-defined]
            client.get(reverse("vehicle-detail", args=[cars[0].pk]))  # type: ignore[attr-defined]
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
