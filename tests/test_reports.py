"""The monthly sales analysis: every section's figures worked out by hand on a small store, the scope matrix,
the query count pinned (2 or 20 consultants, 3 or 6 stores), the workbook and bad parameters.

The hand-made store (tests/metrics_world.py builders), October 2025, compared with September 2025 and October
2024; records of another store (X) never count for store S.

Deals (consultants, model, price / vehicle cost / gifts, derivative products with the store's income):
- D1 ann+bob 50/50, M1, 200000 / 190000 / 2000, delivered 10 Oct; insurance 900, finance 3000
- D2 bob, M2, 100000 / 95000 / 0, delivered 20 Oct; accessories 1200
- D3 ann, M1, 150000 / 140000 / 0, ordered 1 Sep, delivered 20 Sep, unwound 12 Oct; insurance 700
- D4 ann, M1, 120000 / 110000 / 0, delivered 5 Oct and unwound 25 Oct (nets to nothing); insurance 600
- D8 cat, M2, 110000 / 100000 / 500, delivered 28 Oct; insurance 800, extended warranty 800, trade-in 1500
- D9 ann, M1, 150000 / 145000 / 1000, delivered 15 Oct; insurance 900
- D6 bob, M2, 100000 / 96000 / 1000, delivered 15 Sep.  D7 ann, M1, 180000 / 170000, delivered 8 Oct 2024.
- O10 cat, M1, ordered 20 Oct, not delivered; C ann, ordered 7 Oct, cancelled 8 Oct; O11 ann, M2, ordered
  2 Nov, delivered 3 Nov (its car V5 was in stock at the end of October).
- X1 xia (store X), M1, delivered 15 Oct.

October, by hand: units 1 + 1 - 1 + 0 + 1 + 1 = 3 (M1: D1 - D3 + D9 = 1; M2: D2 + D8 = 2);
sales 200000 + 100000 - 150000 + 110000 + 150000 = 410000; front-end gross profit
8000 + 5000 - 10000 + 9500 + 4000 = 16500 (5500 a unit); insurance D1 + D8 + D9 - D3 = 2 units (66.6667%),
income 900 + 800 + 900 - 700 = 1900; back-end 1900 + 3000 + 1200 + 800 + 1500 = 8400 (2800 a unit).
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealerkpi.catalog.models import Brand, VehicleModel
from dealerkpi.crm.models import Complaint, FollowUp, Lead, LostSale, ShowroomVisit
from dealerkpi.crm.models import TestDrive as Drive
from dealerkpi.org.models import Region, Role, Store, User
from dealerkpi.plans.engine import Period
from dealerkpi.reports import analysis, figures
from dealerkpi.reports.formatting import shown, signed
from dealerkpi.sales.models import Delivery, DeliveryFollowUp, DerivativeSale, Reversal
from dealerkpi.stock.models import SecondaryDealer, Vehicle
from dealerkpi.targets.models import Target
from tests.metrics_world import D, MetricsWorld, at, day, organisation
from tests.world import PASSWORD, World, _deal_chain, _staff, build_world, make_vin

pytestmark = pytest.mark.django_db
OCTOBER = Period(2025, 10)
TODAY = datetime.date(2025, 11, 15)
URL = reverse("monthly-analysis")
XLSX_URL = reverse("monthly-analysis-xlsx")
Kind = DerivativeSale.Kind


# --- the hand-made store ---------------------------------------------------------------------------------------


def _deal(w: MetricsWorld, key: str, credits: dict[str, int], model: str, price: int, cost: int,
          ordered: datetime.datetime, delivered: datetime.datetime | None, gifts: int = 0,
          products: tuple[tuple[str, int, int], ...] = ()) -> None:
    w.order(key, credits, model, price, ordered, gifts=gifts)
    if delivered is not None:
        w.deliver(key, cost, delivered)
    for kind, amount, income in products:
        w.derivative(key, kind, amount, income)


def _deals(w: MetricsWorld) -> None:
    _deal(w, "D1", {"ann": 50, "bob": 50}, "M1", 200000, 190000, at(10, 1), at(10, 10), gifts=2000,
          products=((Kind.INSURANCE, 6000, 900), (Kind.FINANCE, 100000, 3000)))
    _deal(w, "D2", {"bob": 100}, "M2", 100000, 95000, at(10, 2), at(10, 20), products=((Kind.ACCESSORIES, 3000, 1200),))
    _deal(w, "D3", {"ann": 100}, "M1", 150000, 140000, at(9, 1), at(9, 20), products=((Kind.INSURANCE, 5000, 700),))
    w.reverse("D3", Reversal.Kind.UNWIND, at(10, 12))
    _deal(w, "D4", {"ann": 100}, "M1", 120000, 110000, at(10, 3), at(10, 5), products=((Kind.INSURANCE, 4000, 600),))
    w.reverse("D4", Reversal.Kind.UNWIND, at(10, 25))
    _deal(w, "D8", {"cat": 100}, "M2", 110000, 100000, at(10, 5), at(10, 28), gifts=500, products=(
        (Kind.INSURANCE, 5500, 800), (Kind.EXTENDED_WARRANTY, 2000, 800), (Kind.TRADE_IN, 50000, 1500)))
    _deal(w, "D9", {"ann": 100}, "M1", 150000, 145000, at(10, 6), at(10, 15), gifts=1000,
          products=((Kind.INSURANCE, 6000, 900),))
    _deal(w, "D6", {"bob": 100}, "M2", 100000, 96000, at(9, 2), at(9, 15), gifts=1000)
    _deal(w, "D7", {"ann": 100}, "M1", 180000, 170000, at(10, 1, year=2024), at(10, 8, year=2024))
    _deal(w, "O10", {"cat": 100}, "M1", 130000, 0, at(10, 20), None)
    _deal(w, "C", {"ann": 100}, "M1", 130000, 0, at(10, 7), None)
    w.reverse("C", Reversal.Kind.CANCELLATION, at(10, 8))
    _deal(w, "X1", {"xia": 100}, "M1", 100000, 90000, at(10, 2), at(10, 15))


def _stock(w: MetricsWorld) -> None:
    """On hand at the end of October: V1 (M1, 0-30 days), V2 (M1 allocated, 31-60), V3 (M2 at a secondary dealer,
    90+) and V5 (M2, 61-90, delivered on 3 November). Not: V4 (arrived in November), a demo car, a car on the way,
    the delivered cars, store X's car."""
    dealer = SecondaryDealer.objects.create(store=w.store, code="SD1", name="二网", territory="吴江区")

    def car(model: str, arrived: datetime.date | None, status: str, store: Store | None = None,
            **extra: object) -> Vehicle:
        return Vehicle.objects.create(store=store or w.store, vin=make_vin(len(w.records) + 91000),
                                      trim=w.trims[model], colour="白", cost=D(100000), arrived_on=arrived,
                                      status=status, **extra)

    w.records["V1"] = car("M1", day(10, 20), Vehicle.Status.IN_STOCK)
    w.records["V2"] = car("M1", day(9, 15), Vehicle.Status.ALLOCATED)
    w.records["V3"] = car("M2", day(7, 1), Vehicle.Status.IN_STOCK, secondary_dealer=dealer)
    w.records["V4"] = car("M2", day(11, 5), Vehicle.Status.IN_STOCK)
    w.records["V5"] = v5 = car("M2", day(8, 20), Vehicle.Status.DELIVERED)
    w.records["demo"] = car("M1", day(5, 1), Vehicle.Status.DEMO)
    w.records["transit"] = car("M2", None, Vehicle.Status.IN_TRANSIT)
    w.records["X"] = car("M1", day(10, 1), Vehicle.Status.IN_STOCK, store=w.other)
    _deal(w, "O11", {"ann": 100}, "M2", 100000, 0, at(11, 2), None)
    Delivery.objects.create(store=w.store, order=w.orders["O11"], vehicle=v5, delivered_at=at(11, 3))


def _visit(w: MetricsWorld, who: str, when: datetime.datetime, first: bool, intent: bool,
           invited: bool = False) -> None:
    ShowroomVisit.objects.create(store=w.staff[who].store, consultant=w.staff[who], arrived_at=when,
                                 is_first_visit=first, has_intent=intent, was_invited=invited)


def _funnel(w: MetricsWorld) -> None:
    """October: 9 parties (4 first, 5 repeat), 7 with intent, 3 first with intent, 1 invited; 8 leads; 2 test
    drives done (one cancelled); lost sales approved in October: 4 (2 price, 2 lost to 对手 X5)."""
    for n, (who, first, intent) in enumerate((("ann", True, True), ("ann", True, True), ("ann", False, True),
                                              ("ann", False, True), ("bob", True, False), ("bob", False, True),
                                              ("bob", False, True), ("cat", True, True), ("cat", False, False))):
        _visit(w, who, at(10, 3 + n), first, intent, invited=n == 0)
    _visit(w, "ann", at(9, 10), True, True)
    _visit(w, "xia", at(10, 3), True, True)
    for who, count in (("ann", 3), ("bob", 3), ("cat", 2)):
        for n in range(count):
            w.leads[f"{who}{n}"] = w.lead(who, at(10, 2 + n))
    w.leads["sep"] = w.lead("ann", at(9, 5))
    for who in ("ann", "bob", "cat"):
        w.leads[f"{who}_aug"] = w.lead(who, at(8, 5))
    demo = w.records["demo"]
    for who, status in (("ann", Drive.Status.DONE), ("bob", Drive.Status.CANCELLED),
                        ("cat", Drive.Status.DONE)):
        Drive.objects.create(store=w.store, lead=w.leads[f"{who}0"], consultant=w.staff[who], vehicle=demo,
                                 starts_at=at(10, 9, 11), ends_at=at(10, 9, 12), status=status)
    rival = VehicleModel.objects.create(brand=Brand.objects.create(code="RV", name="对手", is_competitor=True),
                                        code="RV_X5", name="X5")
    mgr = w.staff["mgr"]
    for lead, reason, requested, decided, status in (
        ("ann0", "price", at(10, 8), at(10, 10), "approved"),
        ("bob0", "competitor", at(10, 11), at(10, 12), "approved"),
        ("cat0", "competitor", at(10, 19), at(10, 20), "approved"),
        ("ann_aug", "price", at(9, 1), at(10, 3), "approved"),
        ("bob_aug", "price", at(10, 13), at(10, 14), "rejected"),
        ("cat_aug", "family", at(10, 30), None, "requested"),
        ("ann1", "postponed", at(10, 30), at(11, 2), "approved"),
    ):
        LostSale.objects.create(store=w.store, lead=w.leads[lead], reason=reason, requested_by=w.leads[lead].owner,
                                requested_at=requested, status=status, decided_by=mgr if decided else None,
                                decided_at=decided, competitor_model=rival if reason == "competitor" else None)


def _follow_ups(w: MetricsWorld) -> None:
    """A-cards due in October: ann on time (5th) and late (10th, made 12th); bob on time (15th, evening) and late
    (20th, made 2 Nov); missed: cat's open card due 28th, bob's dormant card due 22nd. September: ann on time.
    C-cards due in October: ann on time, bob late, cat not done (missed)."""
    def contact(who: str, due: datetime.date, made: datetime.datetime) -> None:
        FollowUp.objects.create(store=w.store, lead=w.leads[f"{who}_aug"], staff=w.staff[who], at=made,
                                channel="phone", outcome="reached", grade_after="A", due_on=due)

    contact("ann", day(10, 5), at(10, 4))
    contact("ann", day(10, 10), at(10, 12))
    contact("bob", day(10, 15), at(10, 15, 20))
    contact("bob", day(10, 20), at(11, 2))
    contact("ann", day(9, 3), at(9, 3))
    Lead.objects.filter(pk=w.leads["cat_aug"].pk).update(next_follow_up_on=day(10, 28))
    Lead.objects.filter(pk=w.leads["bob1"].pk).update(status=Lead.Status.DORMANT, next_follow_up_on=day(10, 22))
    Lead.objects.filter(pk=w.leads["bob2"].pk).update(status=Lead.Status.LOST, next_follow_up_on=day(10, 23))
    Lead.objects.filter(pk=w.leads["cat1"].pk).update(next_follow_up_on=day(11, 20))
    for key, who, due, done in (("D1", "ann", day(10, 11), at(10, 11)), ("D2", "bob", day(10, 21), at(10, 23)),
                                ("D8", "cat", day(10, 29), None)):
        DeliveryFollowUp.objects.create(store=w.store, delivery=w.deliveries[key], staff=w.staff[who], due_on=due,
                                        done_at=done)


def _complaints(w: MetricsWorld) -> None:
    for store, channel, major, received, status in (
        (w.store, "in_store", False, at(10, 5), "resolved"), (w.store, "oem_hotline", True, at(10, 15), "open"),
        (w.store, "subordinate", False, at(10, 20), "open"), (w.other, "in_store", False, at(10, 5), "open"),
        (w.store, "in_store", False, at(11, 1), "open"),
    ):
        Complaint.objects.create(store=store, channel=channel, is_major=major, summary="投诉", received_at=received,
                                 due_on=day(received.month, 28), status=status,
                                 resolution="已处理" if status == "resolved" else "")


def _targets(w: MetricsWorld) -> None:
    month = OCTOBER.first_day
    for staff, metric, value in ((None, "units_delivered", 4), (None, "units_by_model:M1", 2),
                                 (None, "insurance_penetration", 60), ("ann", "units_delivered", 2),
                                 ("bob", "units_delivered", 1), ("cat", "units_delivered", 1), ("ann", "new_leads", 3),
                                 ("bob", "new_leads", 3), ("ann", "test_drive_rate", 50)):
        Target.objects.create(store=w.store, staff=w.staff[staff] if staff else None, month=month, metric=metric,
                              value=D(value))


def build_store() -> MetricsWorld:
    w = organisation()
    people = (("ann", Role.CONSULTANT, "A"), ("bob", Role.CONSULTANT, "B"), ("cat", Role.CONSULTANT, "B"),
              ("sup", Role.SUPERVISOR, "A"), ("mgr", Role.SALES_MANAGER, None))
    for key, role, team in people:
        w.person(key, role)
        if team:
            w.member(key, team, leader=role == Role.SUPERVISOR)
    w.person("xia", store=w.other)
    _deals(w)
    _stock(w)
    _funnel(w)
    _follow_ups(w)
    _complaints(w)
    _targets(w)
    return w


@pytest.fixture
def store() -> MetricsWorld:
    return build_store()


@pytest.fixture
def month(store: MetricsWorld) -> analysis.MonthAnalysis:
    return analysis.month_analysis(store.store, OCTOBER, TODAY)


def values(month: analysis.MonthAnalysis, key: str) -> tuple[Decimal | None, ...]:
    found = figures.line(month, key)
    return found.now, found.previous, found.last_year


# --- the figures, by hand --------------------------------------------------------------------------------------


def test_volume_counts_deliveries_net_of_unwinds_and_orders_not_cancelled(month: analysis.MonthAnalysis) -> None:
    assert values(month, "units") == (3, 2, 1)  # September: D3 (unwound later) and D6; October 2024: D7
    assert values(month, "orders") == (6, 2, 1)  # D1 D2 D4 D8 D9 O10; not C (cancelled), not O11 (November)
    assert values(month, "delivery_rate") == (50, 100, 100)
    units = figures.line(month, "units")
    assert (units.target, units.completion) == (4, 75)


def test_volume_by_model_with_share_target_and_the_other_months(month: analysis.MonthAnalysis) -> None:
    lines = {line.code: line for line in figures.model_lines(month)}
    assert [line.code for line in figures.model_lines(month)] == ["M2", "M1"]
    m1, m2 = lines["M1"], lines["M2"]
    assert (m1.units, m1.share, m1.orders, m1.previous, m1.last_year) == (1, Decimal("33.3333"), 4, 1, 1)
    assert (m1.target, m1.completion) == (2, 50)
    assert (m2.units, m2.share, m2.orders, m2.previous, m2.last_year) == (2, Decimal("66.6667"), 2, 1, 0)
    assert m2.target is None


def test_consultants_are_ranked_by_their_credited_units(month: analysis.MonthAnalysis) -> None:
    ranking = [(line.rank, line.name, line.team, line.units, line.target, line.completion, line.orders)
               for line in month.consultants]
    assert ranking == [(1, "bob", "B", Decimal("1.5"), 1, 150, 1), (2, "cat", "B", 1, 1, 100, 2),
                       (3, "ann", "A", Decimal("0.5"), 2, 25, 3)]  # the supervisor and manager sold nothing
    ann, bob, cat = (next(line for line in month.consultants if line.name == name) for name in ("ann", "bob", "cat"))
    assert ann.figures["front_gross_profit"] == -2000  # half of D1's 8000, minus D3's 10000, plus D9's 4000
    assert ann.figures["gross_profit_per_unit"] == -4000
    assert [line.figures["new_leads"] for line in (ann, bob, cat)] == [3, 3, 2]
    assert (ann.figures["test_drive_rate"], cat.figures["test_drive_rate"]) == (50, 100)
    assert "test_drive_rate" not in bob.figures  # no first visit with intent: no rate
    assert [line.figures["visit_to_order_rate"] for line in (ann, bob, cat)] == [75, 50, 200]
    assert [(line.follow_ups_due, line.follow_ups_on_time) for line in (ann, bob, cat)] == [(3, 2), (4, 1), (2, 0)]
    assert ann.follow_up_rate == Decimal("66.6667")


def test_profit_front_end_back_end_and_per_unit(month: analysis.MonthAnalysis) -> None:
    assert values(month, "sales_amount") == (410000, 250000, 180000)
    assert values(month, "front_gross") == (16500, 13000, 10000)  # September: D3 10000 + D6 3000
    assert values(month, "front_per_unit") == (5500, 6500, 10000)
    assert values(month, "back_gross") == (8400, 700, 0)
    assert values(month, "back_per_unit") == (2800, 350, 0)
    assert values(month, "gross_per_unit") == (8300, 6850, 10000)
    assert all(isinstance(value, Decimal) for value in values(month, "front_gross"))


def test_derivative_penetration_per_product_net_of_unwinds(month: analysis.MonthAnalysis) -> None:
    products = {line.kind: line for line in figures.product_lines(month)}
    insurance = products[Kind.INSURANCE]
    assert (insurance.units, insurance.income, insurance.amount) == (2, 1900, 12500)  # 6000 + 5500 + 6000 - 5000
    assert (insurance.penetration.now, insurance.penetration.previous) == (Decimal("66.6667"), 50)
    assert insurance.penetration.target == 60
    assert insurance.income_per_unit == Decimal("633.3333")
    third = Decimal("33.3333")
    for kind, income in ((Kind.FINANCE, 3000), (Kind.ACCESSORIES, 1200), (Kind.EXTENDED_WARRANTY, 800),
                         (Kind.TRADE_IN, 1500)):
        assert (products[kind].units, products[kind].penetration.now, products[kind].income) == (1, third, income)
    assert products[Kind.FINANCE].penetration.previous == 0


def test_funnel_visits_leads_test_drives_conversion_and_lost_sales(month: analysis.MonthAnalysis) -> None:
    assert values(month, "parties") == (9, 1, 0)
    assert values(month, "first_parties")[0] == 4
    assert values(month, "repeat_parties")[0] == 5
    assert values(month, "intent_visits")[0] == 7
    assert values(month, "first_intent_visits")[0] == 3
    assert values(month, "invited_visits")[0] == 1
    assert values(month, "leads") == (8, 1, 0)
    assert values(month, "test_drives")[0] == 2  # the cancelled drive does not count
    assert values(month, "test_drive_rate") == (Decimal("66.6667"), 0, None)
    assert values(month, "conversion") == (Decimal("85.7143"), 200, None)  # 6 / 7; September 2 / 1
    assert values(month, "lead_to_order")[0] == 75
    # ann0, bob0, cat0 and ann_aug (requested in September); not rejected, awaiting, or decided in November
    assert values(month, "lost") == (4, 0, 0)
    assert values(month, "lost_rate")[0] == 50
    assert month.now.lost_reasons == {"price": 2, "competitor": 2}
    assert month.now.lost_to == {"对手 X5": 2}
    leads = figures.line(month, "leads")
    assert (leads.target, leads.completion) == (6, Decimal("133.3333"))  # the people's new_leads targets summed
    assert figures.line(month, "test_drive_rate").target is None  # a rate is not summed from the people's


def test_stock_at_the_months_end_with_coefficient_and_age_bands(month: analysis.MonthAnalysis) -> None:
    assert values(month, "closing_stock") == (4, 3, 0)  # end of September: V2, V3 and V5
    assert values(month, "coefficient") == (Decimal("1.33"), Decimal("1.50"), Decimal("0.00"))
    assert not figures.line(month, "coefficient").warn  # 1.33 is under the 1.5 line
    assert month.structure.lines() == [("M1", [1, 1, 0, 0], 2), ("M2", [0, 0, 1, 1], 2)]


def test_the_stock_coefficient_above_the_line_is_flagged(store: MetricsWorld) -> None:
    for n in range(3):
        Vehicle.objects.create(store=store.store, vin=make_vin(95000 + n), trim=store.trims["M1"], colour="黑",
                               cost=D(100000), arrived_on=day(10, 1), status=Vehicle.Status.IN_STOCK)
    line = figures.line(analysis.month_analysis(store.store, OCTOBER, TODAY), "coefficient")
    assert (line.now, line.warn) == (Decimal("2.33"), True)  # 7 / 3


def test_follow_up_discipline_a_and_c_cards(month: analysis.MonthAnalysis) -> None:
    assert values(month, "follow_ups_due") == (6, 1, 0)
    assert values(month, "follow_ups_on_time")[0] == 2
    assert values(month, "follow_ups_late")[0] == 2
    assert values(month, "follow_ups_missed")[0] == 2
    assert values(month, "follow_up_rate") == (Decimal("33.3333"), 100, None)
    assert values(month, "c_cards_due")[0] == 3
    assert values(month, "c_card_rate")[0] == Decimal("33.3333")
    assert values(month, "compliance")[0] == Decimal("33.3333")  # (2 + 1) / (6 + 3)


def test_complaints_of_the_month_by_channel(month: analysis.MonthAnalysis) -> None:
    assert values(month, "complaints") == (3, 0, 0)
    assert values(month, "major_complaints")[0] == 1
    assert values(month, "unresolved_complaints")[0] == 2
    with with_english():
        assert figures.complaint_lines(month.now) == [("From a subordinate", 1, 0, 0), ("In store", 1, 0, 1),
                                                      ("OEM hotline (400)", 1, 1, 0)]


def test_head_office_compares_the_stores_and_adds_them_up(store: MetricsWorld) -> None:
    comparison = analysis.store_comparison([store.store, store.other], OCTOBER, TODAY)
    s, x = comparison.lines
    assert (s.tally["units"], x.tally["units"], comparison.total.tally["units"]) == (3, 1, 4)
    assert (s.target, s.completion, x.target) == (4, 75, None)
    assert comparison.total.target is None  # not every store has a target
    assert (x.tally["parties"], x.tally["closing_stock"], x.tally["complaints"]) == (1, 1, 1)
    total = dict((figure.key, value) for figure, value in figures.store_cells(comparison.total.tally))
    assert total["front_per_unit"] == Decimal("6625")  # (16500 + 10000) / 4: from the sums, not an average
    assert total["coefficient"] == Decimal("1.25")  # 5 / 4


def test_display_rounds_half_up_only_at_the_end() -> None:
    assert [shown(Decimal("2.5"), "yuan"), shown(Decimal("12345.5"), "yuan"), shown(Decimal("66.6667"), "percent"),
            shown(Decimal("1.5"), "units"), shown(Decimal("2"), "units"), shown(None)] == [
        "3", "12,346", "66.7%", "1.5", "2", "—"]
    assert [signed(Decimal("-3.05"), "percent"), signed(Decimal("12"), "count"), signed(0)] == ["−3.1", "+12", "0"]


# --- the page ---------------------------------------------------------------------------------------------------


def with_english() -> object:
    from django.utils import translation

    return translation.override("en")


def client_of(username: str, language: str | None = "en") -> Client:
    """A logged-in client; English chosen with the language menu unless `language` is None (the default zh-Hans)."""
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def store_client(store: MetricsWorld, language: str | None = "en") -> Client:
    User.objects.create_user(username="mgr", password=PASSWORD, staff=store.staff["mgr"])
    return client_of("mgr", language)


def test_the_page_shows_the_hand_worked_figures(store: MetricsWorld) -> None:
    response = store_client(store).get(URL, {"month": "2025-10"})
    assert response.status_code == 200
    page = response.content.decode()
    for key, value in (("units", "3"), ("front_per_unit", "5500"), ("closing_stock", "4"),
                       ("follow_up_rate", "33.3333"), ("complaints", "3")):
        assert f'data-figure="{key}" data-now="{value}"' in page, key
    assert 'data-model="M1"' in page and 'data-product="insurance" data-penetration="66.6667"' in page
    assert "Monthly sales analysis" in page and "对手 X5" in page
    assert response.context["charts"]["consultants"]["names"] == ["bob", "cat", "ann"]
    assert 'id="analysis-chart-data"' in page and "vendor/echarts/echarts.min.js" in page


def table_of(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]


def test_targets_columns_and_the_direction_of_changes(store: MetricsWorld) -> None:
    page = store_client(store).get(URL, {"month": "2025-10"}).content.decode()
    assert "Completion" in table_of(page, "lines-volume")  # the units target
    assert "Completion" not in table_of(page, "lines-stock")  # no stock figure has a target
    stock_rows = table_of(page, "lines-stock")
    coefficient = stock_rows.split('data-figure="coefficient"', 1)[1].split("</tr>", 1)[0]
    assert 'class="num better">−0.17<' in coefficient  # 1.33 after 1.50: a lower coefficient is better
    closing = stock_rows.split('data-figure="closing_stock"', 1)[1].split("</tr>", 1)[0]
    assert 'class="num worse">+1<' in closing  # 4 after 3: more stock is worse
    assert table_of(page, "stock-structure").count("<tr") == 4  # header, M1, M2, total


def test_the_page_is_in_chinese_by_default(store: MetricsWorld) -> None:
    response = store_client(store, language=None).get(URL, {"month": "2025-10"})
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_month_defaults_to_the_last_complete_month(store: MetricsWorld) -> None:
    response = store_client(store).get(URL)
    today = timezone.localdate()
    expected = Period(today.year - 1, 12) if today.month == 1 else Period(today.year, today.month - 1)
    assert response.context["month"] == expected


def test_the_current_month_is_shown_to_date(store: MetricsWorld) -> None:
    today = timezone.localdate()
    response = store_client(store).get(URL, {"month": f"{today:%Y-%m}"})
    assert response.status_code == 200 and response.context["analysis"].partial
    assert 'data-testid="partial"' in response.content.decode()


# --- who sees it: the hand-built world of tests/world.py ------------------------------------------------------------


@pytest.fixture
def world() -> World:
    return build_world()


def shown_store(response: object) -> str:
    return response.context["store"].code  # type: ignore[attr-defined]


@pytest.mark.parametrize("user, store", [("m1", "S1"), ("gm1", "S1"), ("hr1", "S1"), ("fin1", "S1"), ("m2", "S2"),
                                         ("ho_group", "S1"), ("ho_r1", "S1"), ("ho_g2", "S4"), ("admin", "S1")])
def test_management_sees_its_store(world: World, user: str, store: str) -> None:
    response = client_of(user).get(URL, {"month": "2026-10"})
    assert response.status_code == 200
    assert shown_store(response) == store
    assert response.context["analysis"].now["units"] == (3 if store == "S1" else 1)  # c1+c2, c2, c3 in S1


@pytest.mark.parametrize("user", ["c1", "c4", "sup1", "nostaff"])
def test_consultants_and_supervisors_are_refused(world: World, user: str) -> None:
    client = client_of(user)
    for url in (URL, XLSX_URL):
        response = client.get(url, {"month": "2026-10"})
        assert response.status_code == 403
        assert "store management" in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(world: World) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


COMPARED = {"ho_group": ["S1", "S2", "S3"], "ho_r1": ["S1", "S2"], "ho_g2": ["S4"],
            "admin": ["S1", "S2", "S3", "S4"], "m1": None, "hr1": None}


@pytest.mark.parametrize("user", sorted(COMPARED))
def test_head_office_compares_exactly_the_stores_it_reaches(world: World, user: str) -> None:
    response = client_of(user).get(URL, {"month": "2026-10"})
    comparison = response.context["comparison"]
    expected = COMPARED[user]
    if expected is None:
        assert comparison is None and 'data-testid="stores"' not in response.content.decode()
        return
    assert [line.store.code for line in comparison.lines] == expected
    assert [store.code for store in response.context["stores"]] == expected
    assert comparison.total.tally["units"] == sum(line.tally["units"] for line in comparison.lines)


REACH = {"m1": {"S1"}, "gm1": {"S1"}, "fin1": {"S1"}, "m2": {"S2"}, "ho_group": {"S1", "S2", "S3"},
         "ho_r1": {"S1", "S2"}, "ho_g2": {"S4"}, "admin": {"S1", "S2", "S3", "S4"}}


@pytest.mark.parametrize("user", sorted(REACH))
def test_a_store_outside_the_reach_is_not_found(world: World, user: str) -> None:
    client = client_of(user)
    for code, store in world.stores.items():
        expected = 200 if code in REACH[user] else 404
        for url in (URL, XLSX_URL):
            response = client.get(url, {"store": store.pk, "month": "2026-10"})
            assert response.status_code == expected, (user, code, url)
        if expected == 200:
            assert shown_store(client.get(URL, {"store": store.pk, "month": "2026-10"})) == code


def test_the_nav_links_the_page_for_management_only(world: World) -> None:
    home = reverse("home")
    for user, linked in (("m1", True), ("hr1", True), ("ho_group", True), ("admin", True), ("c1", False),
                         ("sup1", False)):
        page = client_of(user).get(home).content.decode()
        assert ('data-testid="nav-monthly-analysis"' in page) is linked, user


# --- bad parameters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-1x", "1999-12", "2999-01", "-2026-01"])
def test_a_month_that_cannot_be_shown_is_a_clear_400(world: World, month: str) -> None:
    client = client_of("m1")
    response = client.get(URL, {"month": month})
    assert response.status_code == 400
    assert "is not a month that can be shown" in response.content.decode()
    assert 'data-testid="month-picker"' in response.content.decode()
    assert client.get(XLSX_URL, {"month": month}).status_code == 400


@pytest.mark.parametrize("store", ["abc", "1.5", "99999", " "])
def test_a_store_parameter_that_is_no_store_is_not_found(world: World, store: str) -> None:
    assert client_of("ho_group").get(URL, {"store": store, "month": "2026-10"}).status_code == 404


def test_the_page_only_answers_get(world: World) -> None:
    assert client_of("m1").post(URL, {"month": "2026-10"}).status_code == 405


# --- the workbook -----------------------------------------------------------------------------------------------


def test_the_workbook_has_the_pages_figures_exact(store: MetricsWorld) -> None:
    from openpyxl import load_workbook

    response = store_client(store).get(XLSX_URL, {"month": "2025-10"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="monthly-analysis-MS-2025-10.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Models", "Consultants", "Derivatives", "Lost sales", "Stock", "Complaints"]
    summary = {row[1]: row[2:] for row in book["Summary"].iter_rows(min_row=6, values_only=True)}
    assert summary["Deliveries (units)"] == (3, 2, 1, 4, 75)
    assert summary["Front-end gross profit"][:3] == (16500, 13000, 10000)
    assert book["Summary"]["B2"].value == "2025-10"
    assert [tuple(row[:4]) for row in book["Models"].iter_rows(min_row=2, values_only=True)] == [
        ("M2", 2, 66.6667, 2), ("M1", 1, 33.3333, 4)]  # exact to 4 places, as figures are kept
    assert [row[1] for row in book["Consultants"].iter_rows(min_row=2, values_only=True)] == ["bob", "cat", "ann"]
    assert list(book["Stock"].iter_rows(min_row=2, values_only=True))[-1] == ("Total", 1, 1, 1, 1, 4)


def test_head_office_gets_the_stores_sheet(world: World) -> None:
    from openpyxl import load_workbook

    response = client_of("ho_r1").get(XLSX_URL, {"month": "2026-10"})
    sheet = load_workbook(io.BytesIO(response.content))["Stores"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["S1 S1店", "S2 S2店", "All stores"]


# --- set-based: the query count does not grow ----------------------------------------------------------------------


def queries_of(client: Client, params: dict[str, object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params).status_code == 200
    return len(captured)


def hire(world: World, store: str, count: int, start: int = 0) -> None:
    """More consultants in a store, each with a full deal chain of October 2026."""
    group = world.stores[store].region.group
    for n in range(start, start + count):
        key = f"hired{store}{n}"
        _staff(world, key, Role.CONSULTANT, group, world.stores[store])
        _deal_chain(world, key)


def test_a_store_with_20_consultants_costs_the_queries_of_one_with_2(world: World) -> None:
    hire(world, "S2", 1)  # c4 and one more
    manager = client_of("m2")
    params = {"month": "2026-10"}
    few = queries_of(manager, params)
    hire(world, "S2", 18, start=1)
    many = queries_of(manager, params)
    assert len(manager.get(URL, params).context["analysis"].consultants) == 20
    assert many == few, f"{few} queries for 2 consultants, {many} for 20"


def test_the_head_office_table_costs_the_same_for_3_stores_as_for_6(world: World) -> None:
    head_office = client_of("ho_group")
    params = {"month": "2026-10"}
    few = queries_of(head_office, params)
    region = Region.objects.get(code="R1")
    for n in range(3):
        new = Store.objects.create(region=region, code=f"S9{n}", name=f"新店{n}", city="苏州")
        world.stores[new.code] = new
        hire(world, new.code, 2)
    many = queries_of(head_office, params)
    assert len(head_office.get(URL, params).context["comparison"].lines) == 6
    assert many == few, f"{few} queries for 3 stores, {many} for 6"
