"""Home pages that steer (web/home.py, web/steering.py): each figure of the store's line against the records of
the hand-built world (tests/world.py, October 2026), the approvals waiting with their amounts, the GM's daily report
card, head office's sortable table of its stores, who gets what, and the query count whatever the number of stores.

World facts used (each store's deal chain, tests/world.py): deliveries on 10 October (S1: c1+c2's, c2's, c3's;
S2, S3: one each); A-cards next due 8 October, open; complaints received 12 October, due the 15th; a vehicle in
stock arrived 1 September in each store; a pending below-floor approval on each order (price 205800, guide 229800).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.metrics.period import projected, whole_days
from dealerkpi.org.models import Store
from dealerkpi.pay.models import Run
from dealerkpi.reports.analysis import SALES, tally
from dealerkpi.reports.daily import daily_figures
from dealerkpi.reports.models import DailyReport
from dealerkpi.sales.models import Delivery, Reversal
from dealerkpi.stock.models import Vehicle
from dealerkpi.targets.models import Target
from dealerkpi.web import dashboard
from dealerkpi.web.steering import StoreSteer, steering
from tests.world import World, at, build_world, make_vin, signed_in

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 10, 16)
HOME = reverse("home")


@pytest.fixture
def world() -> World:
    return build_world()


def car(world: World, store: str, arrived: datetime.date, serial: int) -> Vehicle:
    return Vehicle.objects.create(store=world.stores[store], vin=make_vin(900000 + serial), trim=world.trim,
                                  colour="灰", cost=Decimal("200000"), arrived_on=arrived,
                                  status=Vehicle.Status.IN_STOCK)


def lines(world: World, day: datetime.date = DAY, codes: tuple[str, ...] = ("S1", "S2", "S3")) -> dict[str, StoreSteer]:
    stores = [world.stores[code] for code in codes]
    now = metrics.standing(dashboard.SHARED, [store.pk for store in stores], day)
    return {line.store.code: line for line in steering(stores, day, now)}


# --- the figures of a store's line -----------------------------------------------------------------------------


def test_today_and_the_month_against_target_with_the_run_rate(world: World) -> None:
    Target.objects.create(store=world.stores["S1"], month=datetime.date(2026, 10, 1), metric="units_delivered",
                          value=Decimal("6"))
    on_the_day = lines(world, datetime.date(2026, 10, 10))
    assert on_the_day["S1"].today["units"] == 3 and on_the_day["S2"].today["units"] == 1
    s1 = lines(world, datetime.date(2026, 10, 12))["S1"]
    assert s1.today["units"] == 0
    assert (s1.units, s1.target, s1.completion) == (3, 6, 50)
    assert s1.projected == Decimal("8.45")  # 3 in the 11 days that are over, x 31
    assert s1.projected_completion == Decimal("140.8333")
    assert on_the_day["S1"].projected == 0, "today's three are not a whole day's yet"
    report = daily_figures(world.stores["S1"], datetime.date(2026, 10, 12), datetime.date(2026, 10, 12))
    delivered = next(line for line in report.month if line.figure.metric == "units_delivered")
    assert delivered.projected == s1.projected, "the home page and the morning's daily report project alike"


def test_a_sale_unwound_today_still_counts_in_the_days_that_are_over(world: World) -> None:
    """The run rate's days that are over (the 1st to the 15th) are the month so far less today: a sale delivered
    on the 10th and unwound on the 16th counts in them, as a tally over those very days says."""
    s1 = world.stores["S1"]
    delivered = Delivery.objects.filter(store=s1).order_by("pk").first()
    Reversal.objects.create(store=s1, order=delivered.order, kind="unwind", at=at(16, 9), reason="退车",
                            recorded_by=world.staff["m1"])
    line = lines(world)["S1"]
    whole = whole_days(DAY)
    over = tally([s1.pk], whole, DAY, SALES)[s1.pk]["units"]
    assert (line.today["units"], line.units, over) == (-1, 2, 3)
    assert line.projected == projected(over, whole) == Decimal("6.20")  # 3 in 15 days, x 31


def test_stock_over_90_days_and_the_coefficient_over_the_line(world: World) -> None:
    car(world, "S1", datetime.date(2026, 7, 17), 1)  # 91 days on the 16th
    car(world, "S1", datetime.date(2026, 7, 18), 2)  # 90 days: not over
    car(world, "S2", datetime.date(2026, 10, 1), 3)
    found = lines(world)
    assert (found["S1"].old_stock, found["S2"].old_stock) == (1, 0)
    assert (found["S1"].stock, found["S1"].recent_deliveries, found["S1"].over_line) == (3, 3, False)
    assert (found["S2"].stock, found["S2"].recent_deliveries, found["S2"].coefficient) == (2, 1, Decimal("2.00"))
    assert found["S2"].over_line


def test_overdue_cards_complaints_runs_and_the_daily_report(world: World) -> None:
    Run.objects.create(store=world.stores["S1"], period=datetime.date(2026, 9, 1), number=1,
                       status=Run.Status.SUBMITTED)
    Run.objects.create(store=world.stores["S2"], period=datetime.date(2026, 9, 1), number=1,
                       status=Run.Status.DRAFT)
    DailyReport.objects.create(store=world.stores["S2"], day=DAY, remarks="好", sent_by=world.staff["m2"],
                               sent_at=timezone.now())
    on_the_15th = lines(world, datetime.date(2026, 10, 15))["S1"]
    assert (on_the_15th.overdue_cards, on_the_15th.overdue_complaints) == (3, 0)  # complaints due that day
    found = lines(world)
    assert (found["S1"].overdue_cards, found["S1"].overdue_complaints, found["S1"].runs_waiting) == (3, 3, 1)
    assert (found["S2"].overdue_cards, found["S2"].overdue_complaints, found["S2"].runs_waiting) == (1, 1, 0)
    assert found["S1"].report is None and found["S2"].report.remarks == "好"
    assert (found["S1"].alerts, found["S2"].alerts) == (4, 2)  # cards, complaints, run, report / cards, complaints


def test_the_lines_cost_the_same_queries_for_3_stores_as_for_4(world: World) -> None:
    with CaptureQueriesContext(connection) as three:
        lines(world)
    with CaptureQueriesContext(connection) as four:
        lines(world, codes=("S1", "S2", "S3", "S4"))
    assert len(three) == len(four)


# --- the pages --------------------------------------------------------------------------------------------------


def text(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start:page.index("</section>", start)]))


def test_the_gm_sees_the_report_not_sent_then_sent_with_a_number_to_call(world: World) -> None:
    world.staff["m1"].phone = "13800001111"
    world.staff["m1"].save()
    gm = signed_in("gm1")
    page = gm.get(HOME).content.decode()
    assert 'data-testid="home-report-missing"' in page and 'href="tel:13800001111"' in page
    assert 'data-alert="report"' in page
    signed_in("m1").post(f"{reverse('daily-report-send')}?day={timezone.localdate()}", {"remarks": "客流平稳"})
    page = gm.get(HOME).content.decode()
    assert "客流平稳" in text(page, "home-daily-report") and 'data-alert="report"' not in page


def test_the_gm_sees_the_approvals_waiting_with_their_amounts(world: World) -> None:
    page = signed_in("gm1").get(HOME).content.decode()
    waiting = text(page, "home-waiting")
    assert "Order approvals 3 617,400 72,000" in waiting  # 3 x 205800; 3 x (229800 - 205800)
    assert "Lost sales 3" in waiting


def test_the_manager_sees_their_store(world: World) -> None:
    response = signed_in("m1").get(HOME)
    assert response.context["mine"].store == world.stores["S1"] and response.context["steering"] == []
    assert 'data-testid="home-today"' in response.content.decode()


@pytest.mark.parametrize("user, codes", [("ho_group", ["S1", "S2", "S3"]), ("ho_r1", ["S1", "S2"]),
                                         ("ho_g2", ["S4"]), ("admin", ["S1", "S2", "S3", "S4"])])
def test_head_office_gets_a_line_per_store_it_reaches(world: World, user: str, codes: list[str]) -> None:
    response = signed_in(user).get(HOME)
    assert [line.store.code for line in response.context["steering"]] == codes
    assert response.context["mine"] is None
    assert re.findall(r'<tr data-store="(\w+)" data-alerts', response.content.decode()) == codes


def test_head_office_sorts_its_stores(world: World) -> None:
    DailyReport.objects.create(store=world.stores["S2"], day=timezone.localdate(), remarks="好",
                               sent_by=world.staff["m2"], sent_at=timezone.now())
    client = signed_in("ho_group")
    by_alerts = [line.store.code for line in client.get(HOME, {"sort": "alerts"}).context["steering"]]
    assert by_alerts[0] == "S1"  # the most alerts: three overdue cards, complaints, report
    by_report = [line.store.code for line in client.get(HOME, {"sort": "report"}).context["steering"]]
    assert by_report == ["S1", "S3", "S2"]  # not sent first
    assert [line.store.code for line in client.get(HOME, {"sort": "nonsense"}).context["steering"]] == [
        "S1", "S2", "S3"]


@pytest.mark.parametrize("user", ["c1", "sup1", "hr1", "fin1"])
def test_the_others_keep_their_home(world: World, user: str) -> None:
    response = signed_in(user).get(HOME)
    assert response.status_code == 200 and "mine" not in response.context and "steering" not in response.context


def test_no_store_outside_the_reach_on_the_home_page(world: World) -> None:
    page = signed_in("ho_r1").get(HOME).content.decode()
    assert str(Store.objects.get(code="S3").name) not in page and "S4店" not in page
