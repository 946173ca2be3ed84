"""Every page figure with a metric counterpart shows the metric: the page is read as its reader sees it (the
rendered HTML, or the figures handed to the template) and compared with the metrics library computed for the same
stores, people and days. The month holds what made the pages disagree before: a first visit without intent, a
deal shared 50/50, a delivery unwound, an order cancelled, a test drive booked but not done, a C-card call missed.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.crm.models import Customer, Lead, ShowroomVisit
from dealerkpi.crm.models import TestDrive as Drive
from dealerkpi.metrics import now
from dealerkpi.metrics.period import midnight
from dealerkpi.org.models import Staff, Store
from dealerkpi.people.models import TrainingRecord
from dealerkpi.plans.engine import Period
from dealerkpi.reports import analysis
from dealerkpi.reports.meeting_notes import day_figures
from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order, OrderCredit, Reversal
from dealerkpi.stock.models import Vehicle
from tests.metrics_world import build_metrics_world
from tests.world import PASSWORD, World, build_world, make_vin

pytestmark = pytest.mark.django_db
FIGURES = ("new_leads", "showroom_visits", "test_drives", "orders", "units_delivered")


class _Rows(HTMLParser):
    """The text of each cell of the table rows marked data-testid=<testid>."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.rows, self._row, self._cell = testid, [], None, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr" and ("data-testid", self.testid) in attrs:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def rows_of(page: str, testid: str) -> list[list[str]]:
    parser = _Rows(testid)
    parser.feed(page)
    return parser.rows


def number(cell: str) -> Decimal:
    """A figure as the page prints it ("1,234.50", "2 / 5" with its target, "33% (1/3)")."""
    return Decimal(re.match(r"[\d,.]+", cell).group(0).replace(",", ""))  # type: ignore[union-attr]


def client_of(username: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.login(username=username, password=PASSWORD)
    return client


def today() -> datetime.date:
    return timezone.localdate()


def month_to_date() -> metrics.Days:
    return metrics.Days.month_to_date(today())


# --- this month's records --------------------------------------------------------------------------------------


class Month:
    """Records of the current month in S1, all at midnight of today (never in the future, always this month), due
    dates on the 1st (missed unless today is the 1st)."""

    def __init__(self, world: World) -> None:
        self.world, self.store = world, world.stores["S1"]
        self.at, self.first = midnight(today()), today().replace(day=1)
        self.serial = 90000

    def card(self, key: str, due: datetime.date | None = None) -> Lead:
        self.serial += 1
        staff = self.world.staff[key]
        customer = Customer.objects.create(store=self.store, owner=staff, name=f"本月{self.serial}",
                                           phone=f"137{self.serial:08d}", created_at=self.at)
        return Lead.objects.create(store=self.store, customer=customer, owner=staff, source="walk_in", grade="H",
                                   intended_model=self.world.trim.vehicle_model, created_at=self.at,
                                   next_follow_up_on=due or self.first)

    def vehicle(self, status: str) -> Vehicle:
        self.serial += 1
        return Vehicle.objects.create(store=self.store, vin=make_vin(self.serial), trim=self.world.trim,
                                      colour="白", cost=Decimal("200000"), status=status)

    def order(self, key: str, shares: dict[str, int], status: str = "ordered") -> Order:
        lead = self.card(key)
        placed = Order.objects.create(store=self.store, lead=lead, customer=lead.customer,
                                      consultant=self.world.staff[key], trim=self.world.trim, colour="白",
                                      ordered_at=self.at, guide_price=Decimal("229800"),
                                      floor_price=Decimal("209800"), price=Decimal("219800"), status=status)
        for person, share in shares.items():
            OrderCredit.objects.create(store=self.store, order=placed, staff=self.world.staff[person], share=share)
        return placed

    def delivered(self, key: str, shares: dict[str, int]) -> Delivery:
        placed = self.order(key, shares, status="delivered")
        return Delivery.objects.create(store=self.store, order=placed, vehicle=self.vehicle("delivered"),
                                       delivered_at=self.at)

    def reversal(self, placed: Order, kind: str) -> None:
        Reversal.objects.create(store=self.store, order=placed, kind=kind, at=self.at, reason="本月",
                                recorded_by=placed.consultant)


@pytest.fixture
def world() -> World:
    world = build_world()
    month = Month(world)
    c1 = world.staff["c1"]
    lead = month.card("c1")
    ShowroomVisit.objects.create(store=month.store, lead=lead, consultant=c1, arrived_at=month.at,
                                 is_first_visit=True, has_intent=False)
    ShowroomVisit.objects.create(store=month.store, lead=lead, consultant=c1, arrived_at=month.at,
                                 is_first_visit=True, has_intent=True, test_drive_taken=True)
    demo = month.vehicle("demo")
    for status in ("done", "scheduled", "cancelled"):
        Drive.objects.create(store=month.store, lead=lead, consultant=c1, vehicle=demo, starts_at=month.at,
                                 ends_at=month.at + datetime.timedelta(hours=1), status=status)
    month.reversal(month.order("c1", {"c1": 100}, status="cancelled"), "cancellation")
    month.order("c1", {"c1": 100})
    shared = month.delivered("c1", {"c1": 50, "c2": 50})
    month.reversal(month.delivered("c1", {"c1": 100}).order, "unwind")
    DeliveryFollowUp.objects.create(store=month.store, delivery=shared, staff=c1, due_on=month.first)
    month.vehicle("in_stock")
    month.card("c3", due=today())
    TrainingRecord.objects.create(store=month.store, staff=c1, course="本月培训", held_on=today(),
                                  hours=Decimal("2.5"))
    return world


def month_of(store_codes: list[str], world: World) -> metrics.PeriodActuals:
    ids = [world.stores[code].pk for code in store_codes]
    names = (*FIGURES, "first_visits", "follow_up_compliance", "follow_ups_due", "follow_ups_on_time")
    return metrics.compute(names, ids, month_to_date(), as_of=today())


# --- the team board ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["sup1", "m1"])
def test_the_team_board_shows_the_metrics_of_each_consultant(world: World, user: str) -> None:
    page = client_of(user).get(reverse("team-board")).content.decode()
    expected = month_of(["S1"], world)
    now = metrics.standing(["overdue_cards"], [world.stores["S1"].pk], today())
    rows = {cells[0]: cells[1:] for cells in rows_of(page, "board-row")}
    assert set(rows) == ({"c1", "c2"} if user == "sup1" else {"c1", "c2", "c3"})
    for name, cells in rows.items():
        pk = world.staff[name].pk
        columns = ("new_leads", "showroom_visits", "first_visits", "test_drives", "orders", "units_delivered")
        assert [number(cell) for cell in cells[:6]] == [expected.total(figure, [pk]) for figure in columns]
        rate = expected.value(pk, "follow_up_compliance")
        assert cells[6] == "—" if rate is None else number(cells[6]) == rate.quantize(Decimal(1))
        assert number(cells[7]) == now.of(pk, "overdue_cards")


def test_the_board_counts_what_the_statement_pays_on(world: World) -> None:
    """c1 this month: 2 visits, 1 of them a first visit with intent; 1 test drive done (the booked and the
    cancelled ones do not count); 1 order (the cancelled one does not count; the delivered ones were ordered this
    month too: 3); half of the shared car and nothing of the unwound one."""
    page = client_of("m1").get(reverse("team-board")).content.decode()
    c1 = {cells[0]: cells[1:] for cells in rows_of(page, "board-row")}["c1"]
    assert [number(cell) for cell in c1[1:6]] == [2, 1, 1, 3, Decimal("0.5")]


# --- the home page -----------------------------------------------------------------------------------------------


def test_the_managers_home_shows_each_consultants_month(world: World) -> None:
    page = client_of("m1").get(reverse("home")).content.decode()
    expected = month_of(["S1"], world)
    now = metrics.standing(["overdue_cards"], [world.stores["S1"].pk], today())
    rows = rows_of(page, "funnel-row")
    assert rows and {cells[0] for cells in rows} == {"c1", "c2", "c3"}
    for cells in rows:
        pk = Staff.objects.get(name=cells[0]).pk
        assert [number(cell) for cell in cells[1:6]] == [expected.total(figure, [pk]) for figure in FIGURES]
        assert number(cells[6]) == now.of(pk, "overdue_cards")


def test_head_office_home_shows_each_stores_month(world: World) -> None:
    page = client_of("ho_group").get(reverse("home")).content.decode()
    rows = {cells[0]: cells[1:] for cells in rows_of(page, "funnel-row")}
    assert rows
    for name, cells in rows.items():
        store = Store.objects.get(name=name)
        expected = metrics.compute(FIGURES, [store.pk], month_to_date(), as_of=today())
        now = metrics.standing(["overdue_cards"], [store.pk], today())
        assert [number(cell) for cell in cells[:5]] == [expected.total(figure) for figure in FIGURES]
        assert number(cells[5]) == now.total("overdue_cards")
    assert number(rows["S1店"][4]) == 1, "both halves of the shared car; the unwound one nets nothing"


def test_the_open_card_figures_count_their_records(world: World) -> None:
    """The open A-card figures are counted together in one query: each must still be the count of its records."""
    stores = [world.stores["S1"].pk, world.stores["S2"].pk]
    Lead.objects.filter(pk=Lead.objects.filter(status=Lead.Status.OPEN, store_id=stores[0]).order_by("pk")
                        .values("pk")[:1]).update(next_follow_up_on=today())  # one due today, whatever else is
    names = list(now.OF_OPEN_CARDS)
    found = metrics.standing(names, stores, today())
    for name in names:
        expected = Counter(now.records(name, stores, today()).values_list("store_id", "owner_id"))
        assert found.counts[name] == dict(expected), name
    assert found.total("open_cards") > found.total("overdue_cards") > 0 and found.total("cards_due") > 0


def test_a_consultants_day_is_the_standing_figures(world: World) -> None:
    response = client_of("c1").get(reverse("home"))
    names = ("cards_due", "overdue_cards", "open_cards", "follow_ups_logged", "deliveries_scheduled")
    now = metrics.standing(names, [world.stores["S1"].pk], today())
    assert response.context["my_day"] == {name: now.of(world.staff["c1"].pk, name) for name in names}


# --- stock, meetings, training -----------------------------------------------------------------------------------


def test_the_stock_overview_weighs_stock_against_units_delivered(world: World) -> None:
    response = client_of("m1").get(reverse("stock-overview"))
    store = [world.stores["S1"].pk]
    window = metrics.Days(today() - datetime.timedelta(days=29), today())
    assert response.context["stock"] == metrics.standing(["stock_on_hand"], store, today()).total("stock_on_hand")
    assert response.context["deliveries"] == metrics.compute(["units_delivered"], store, window).total(
        "units_delivered")


def test_the_evening_meetings_figures_are_the_days_metrics(world: World) -> None:
    store = world.stores["S1"]
    found = metrics.compute(("new_leads", "showroom_visits", "orders", "units_delivered"), [store.pk],
                            metrics.Days(today(), today()))
    figures = day_figures(store, today())
    assert [figure.total for figure in figures] == [
        found.total(name) for name in ("new_leads", "showroom_visits", "orders", "units_delivered")]
    assert figures[3].by_person == (("c1", Decimal("0.5")), ("c2", Decimal("0.5")))


def test_the_training_pages_hours_are_training_hours(world: World) -> None:
    response = client_of("m1").get(reverse("training-list"))
    month = today().replace(day=1)
    period = Period(month.year, month.month)
    expected = metrics.compute(["training_hours"], [world.stores["S1"].pk], period)
    shown = {row["staff_id"]: row["hours"] for row in response.context["hours"]}
    assert shown and shown == {pk: expected.total("training_hours", [pk]) for pk in shown}


# --- the monthly analysis ----------------------------------------------------------------------------------------

# the analysis's figure -> the metric (or page figure) it is, for a store
ANALYSIS_METRICS = {
    "units": "units_delivered", "sales_amount": "sales_amount", "front_gross": "front_gross_profit",
    "insurance_units": "insurance_units", "finance_units": "finance_units",
    "extended_warranty_units": "extended_warranty_units", "trade_in_units": "trade_in_units",
    "accessories_amount": "accessories_amount", "orders": "orders", "parties": "showroom_visits",
    "first_intent_visits": "first_visits", "leads": "new_leads", "test_drives": "test_drives",
}


def test_the_monthly_analysis_is_the_metrics_of_the_store() -> None:
    """The hand-made October of tests/metrics_world.py: shared deals, unwinds, a cancelled order, C-cards."""
    w = build_metrics_world()
    october, as_of = Period(2025, 10), datetime.date(2025, 11, 15)
    tallied = analysis.tally([w.store.pk], october, as_of)[w.store.pk]
    names = (*ANALYSIS_METRICS.values(), "follow_ups_due", "follow_ups_on_time", "complaints",
             "subordinate_complaints")
    expected = metrics.compute(names, [w.store.pk], october, as_of=as_of)
    assert {key: tallied[key] for key in ANALYSIS_METRICS} == {
        key: expected.total(name) for key, name in ANALYSIS_METRICS.items()}
    assert tallied["units"] and tallied["orders"], "the month has deals to compare"
    assert tallied["follow_ups_due"] + tallied["c_cards_due"] == expected.total("follow_ups_due")
    assert tallied["follow_ups_on_time"] + tallied["c_cards_on_time"] == expected.total("follow_ups_on_time")
    # Complaints received, every channel (docs/reports.md): the customers' and the subordinates'; none of the month
    # is about nobody.
    assert tallied["complaints"] == expected.total("complaints") + expected.total("subordinate_complaints") == 3
