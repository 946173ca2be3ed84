"""The sales plan: the store's conversion rates of the three months before the plan's month, the funnel worked back
from the delivery targets, the month so far day by day (the same figures as the metrics library), saving the plan as
the month's targets, who sees and changes what, and hostile input."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from dealerkpi.core.models import AuditEntry
from dealerkpi.core.scope import Viewer
from dealerkpi.crm.models import Customer, Lead, ShowroomVisit
from dealerkpi.crm.models import TestDrive as Drive
from dealerkpi.metrics import Days, compute
from dealerkpi.org.models import Role, Staff, TeamMembership
from dealerkpi.org.scope import current_viewer
from dealerkpi.plans.engine import Period
from dealerkpi.sales.models import Order, Reversal
from dealerkpi.stock.models import Vehicle
from dealerkpi.targets.models import AnnualTarget, Target
from dealerkpi.targets.sales_plan import (
    STAGES,
    basis_months,
    conversion_basis,
    daily_actuals,
    plan_changes,
    sales_plan,
    save_plan,
    shares_of,
    totals_of,
)
from dealerkpi.targets.services import set_annual_target, set_target
from tests.world import HIRED, World, build_world, delivered_deal, signed_in

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2026, 10, 1)
TODAY = datetime.date(2026, 12, 6)
URL = reverse("targets-sales-plan")


def moment(month: int, day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour))


def visits(world: World, key: str, count: int, when: datetime.datetime, **flags: bool) -> None:
    staff = world.staff[key]
    ShowroomVisit.objects.bulk_create(ShowroomVisit(store=staff.store, consultant=staff, arrived_at=when, **flags)
                                      for _ in range(count))


def drives(world: World, key: str, count: int, when: datetime.datetime, status: str = "done") -> None:
    staff = world.staff[key]
    lead = Lead.objects.filter(owner=staff).first()
    demo = Vehicle.objects.filter(store=staff.store, status=Vehicle.Status.DEMO).first()
    Drive.objects.bulk_create(
        Drive(store=staff.store, lead=lead, consultant=staff, vehicle=demo, starts_at=when,
                  ends_at=when + datetime.timedelta(hours=1), status=status) for _ in range(count))


def orders(world: World, key: str, count: int, when: datetime.datetime) -> list[Order]:
    staff = world.staff[key]
    customer = Customer.objects.filter(owner=staff).first()
    return [Order.objects.create(store=staff.store, customer=customer, consultant=staff, trim=world.trim, colour="白",
                                 ordered_at=when, guide_price=Decimal("229800"), floor_price=Decimal("209800"),
                                 price=Decimal("219800")) for _ in range(count)]


@pytest.fixture
def world() -> World:
    return funnel_world()


def funnel_world() -> World:
    """The test world (tests/world.py) with S1's funnel of July to September 2026: 30 first visits (and visits
    that are not first or without intent), 12 test drives done (and 2 only scheduled), 9 orders (6 open,
    3 delivered; one more cancelled), 3 cars delivered (one shared 50/50). A delivery in June is outside
    the months looked at."""
    world = build_world()
    visits(world, "c1", 20, moment(8, 5))
    visits(world, "c3", 10, moment(9, 30, 23))  # 23:00 Shanghai: still September
    visits(world, "c1", 3, moment(9, 2), is_first_visit=False)
    visits(world, "c1", 2, moment(9, 2), has_intent=False)
    drives(world, "c1", 8, moment(7, 1, 9))
    drives(world, "c3", 4, moment(9, 12))
    drives(world, "c3", 2, moment(9, 13), status="scheduled")
    orders(world, "c1", 6, moment(8, 20))
    cancelled = orders(world, "c3", 1, moment(9, 1))[0]
    Reversal.objects.create(store=cancelled.store, order=cancelled, kind="cancellation", at=moment(9, 3),
                            reason="客户改变主意", recorded_by=world.staff["c3"])
    delivered_deal(world, "c1", moment(9, 10))
    delivered_deal(world, "c3", moment(9, 11))
    delivered_deal(world, "c1", moment(9, 12), shares={"c1": 50, "c3": 50})
    delivered_deal(world, "c1", moment(6, 15))
    return world


def viewer(world: World, key: str) -> Viewer:
    return current_viewer(world.users[key])


def store_target(world: World, value: str, metric: str = "units_delivered", **who: object) -> Target:
    return Target.objects.create(store=world.stores["S1"], month=OCTOBER, metric=metric, value=Decimal(value), **who)


# --- the rates and the worked-back funnel ------------------------------------------------------------------


def test_the_months_looked_at_are_the_three_complete_ones_before_the_plan() -> None:
    assert basis_months(OCTOBER, TODAY) == (Period(2026, 7), Period(2026, 8), Period(2026, 9))
    # planning ahead, the month under way is not complete: the three before it
    assert basis_months(datetime.date(2027, 1, 1), TODAY) == (Period(2026, 9), Period(2026, 10), Period(2026, 11))
    assert basis_months(datetime.date(2026, 1, 1), TODAY) == (Period(2025, 10), Period(2025, 11), Period(2025, 12))


def test_rates_come_from_the_stores_records_of_those_months(world: World) -> None:
    basis = conversion_basis(world.stores["S1"], OCTOBER, TODAY)
    assert basis.totals == {"first_visits": 30, "test_drives": 12, "orders": 9, "units_delivered": 3}
    assert [(rate.earlier, rate.later, rate.percent) for rate in basis.rates] == [
        ("first_visits", "test_drives", Decimal(40)), ("test_drives", "orders", Decimal(75)),
        ("orders", "units_delivered", Decimal("33.3333"))]
    assert all(rate.missing == "" for rate in basis.rates)


def test_the_funnel_is_worked_back_and_rounded_up(world: World) -> None:
    basis = conversion_basis(world.stores["S1"], OCTOBER, TODAY)
    # 10 cars: orders 10 x 9/3 = 30; test drives 30 x 12/9 = 40; first visits 40 x 30/12 = 100
    assert basis.needs(Decimal(10)) == {"first_visits": 100, "test_drives": 40, "orders": 30, "units_delivered": 10}
    # 7 cars: 21 orders; 28 test drives; 70 first visits. 1 car: 3 orders, 4 test drives (3 x 12/9), 10 visits
    assert basis.needs(Decimal(7))["first_visits"] == 70
    assert basis.needs(Decimal(1)) == {"first_visits": 10, "test_drives": 4, "orders": 3, "units_delivered": 1}
    assert basis.needs(None) == dict.fromkeys(STAGES)


def test_a_rate_without_data_is_said_and_leaves_no_need(world: World) -> None:
    s2 = world.stores["S2"]  # records in October only: nothing in July to September
    basis = conversion_basis(s2, OCTOBER, TODAY)
    assert basis.rates[-1].percent is None
    with translation.override("en"):
        assert "No orders" in basis.rates[-1].missing
    assert basis.needs(Decimal(5)) == {"first_visits": None, "test_drives": None, "orders": None,
                                       "units_delivered": 5}
    visits(world, "c4", 4, moment(9, 1))
    drives(world, "c4", 2, moment(9, 2))
    delivered_deal(world, "c4", moment(9, 3))
    basis = conversion_basis(s2, OCTOBER, TODAY)
    # visits -> test drives known; test drives -> orders known (1 order per 2 drives); orders -> deliveries 1/1
    assert basis.needs(Decimal(5)) == {"first_visits": 20, "test_drives": 10, "orders": 5, "units_delivered": 5}
    nothing = conversion_basis(s2, datetime.date(2026, 9, 1), TODAY)  # June to August: nothing at all
    with translation.override("en"):
        assert "No first visits" in nothing.rates[0].missing


def test_a_zero_rate_is_said(world: World) -> None:
    visits(world, "c4", 4, moment(9, 1))
    basis = conversion_basis(world.stores["S2"], OCTOBER, TODAY)
    assert basis.rates[0].percent is None
    with translation.override("en"):
        assert "None of the first visits led to test drives" in basis.rates[0].missing


# --- the month so far -------------------------------------------------------------------------------------


def test_the_days_add_up_to_the_metrics_library(world: World) -> None:
    unwound = delivered_deal(world, "c3", moment(9, 25))  # counted in September, taken off in October
    Reversal.objects.create(store=unwound.store, order=unwound.order, kind="unwind", at=moment(10, 20),
                            reason="退车", recorded_by=world.staff["m1"])
    visits(world, "c2", 2, moment(10, 31, 23))
    days = Days(OCTOBER, datetime.date(2026, 10, 31))
    daily = daily_actuals(world.stores["S1"], days)
    library = compute(STAGES, [world.stores["S1"].pk], days)
    for key in ("c1", "c2", "c3"):
        staff_id = world.staff[key].pk
        assert totals_of(daily, [staff_id]) == {stage: library.value(staff_id, stage) or 0 for stage in STAGES}, key
    assert totals_of(daily) == {"first_visits": 5, "test_drives": 0, "orders": 3, "units_delivered": 2}
    deliveries: dict[datetime.date, Decimal] = {}
    for (day, _staff), value in daily["units_delivered"].items():
        deliveries[day] = deliveries.get(day, Decimal(0)) + value
    assert deliveries == {datetime.date(2026, 10, 10): Decimal(3), datetime.date(2026, 10, 20): Decimal(-1)}


def test_the_plan_lines_pace_and_weeks(world: World) -> None:
    store_target(world, "10")
    store_target(world, "6", team=world.teams["T1"])
    store_target(world, "4", staff=world.staff["c1"])
    store_target(world, "3", staff=world.staff["c3"])
    plan = sales_plan(world.stores["S1"], OCTOBER, TODAY, viewer(world, "m1"))
    lines = {(line.kind, line.name): line for line in plan.lines}
    assert lines[("store", "S1店")].needs == {"first_visits": 100, "test_drives": 40, "orders": 30,
                                              "units_delivered": 10}
    assert lines[("store", "S1店")].actual == {"first_visits": 3, "test_drives": 0, "orders": 3,
                                               "units_delivered": 3}
    assert lines[("team", "一组")].deliveries == 6  # the team's own target
    assert lines[("team", "二组")].deliveries == 3  # no team target: its members' (c3)
    assert lines[("person", "c1")].needs["orders"] == 12
    assert lines[("person", "c1")].actual["units_delivered"] == Decimal("0.5")
    assert lines[("person", "c2")].deliveries is None and lines[("person", "c2")].needs["orders"] is None
    assert plan.as_of == datetime.date(2026, 10, 31)
    assert plan.pace["units_delivered"][-1] == 10 and plan.pace["units_delivered"][0] == Decimal("0.3")
    assert plan.cumulative["orders"][2] == 0 and plan.cumulative["orders"][3] == 3
    # October 2026 begins on a Thursday: weeks Thu 1 - Sun 4, then Monday to Sunday, the last Mon 26 - Sat 31
    assert [(week.first.day, week.last.day) for week in plan.weeks] == [(1, 4), (5, 11), (12, 18), (19, 25),
                                                                        (26, 31)]
    assert plan.weeks[0].plan["units_delivered"] == Decimal("1.3")  # 10 x 4 / 31
    assert plan.weeks[1].actual["units_delivered"] == 3
    # each week the rise of the cumulative pace (rounded to a tenth), so the weeks add up to the month's 30 orders
    assert [week.plan["orders"] for week in plan.weeks] == [Decimal(v) for v in ("3.9", "6.7", "6.8", "6.8", "5.8")]
    assert sum(week.plan["orders"] for week in plan.weeks) == 30


def test_before_the_month_there_are_no_actuals(world: World) -> None:
    plan = sales_plan(world.stores["S1"], datetime.date(2027, 2, 1), TODAY, viewer(world, "m1"))
    assert plan.as_of is None
    assert all(value is None for value in plan.cumulative["orders"])


# --- what each one sees ----------------------------------------------------------------------------------


def names_seen(world: World, key: str) -> set[tuple[str, str]]:
    return {(line.kind, line.name) for line in sales_plan(world.stores["S1"], OCTOBER, TODAY, viewer(world, key)).lines}


def test_who_sees_which_lines(world: World) -> None:
    people = {("person", name) for name in ("c1", "c2", "c3", "sup1")}
    everything = {("store", "S1店"), ("team", "一组"), ("team", "二组")} | people
    assert names_seen(world, "m1") == everything
    assert names_seen(world, "ho_group") == everything
    assert names_seen(world, "sup1") == {("team", "一组"), ("person", "c1"), ("person", "c2"), ("person", "sup1")}
    assert names_seen(world, "c1") == {("person", "c1")}


def test_a_consultants_chart_follows_their_own_line(world: World) -> None:
    store_target(world, "4", staff=world.staff["c3"])
    plan = sales_plan(world.stores["S1"], OCTOBER, TODAY, viewer(world, "c3"))
    assert plan.focus.name == "c3"
    assert plan.cumulative["units_delivered"][-1] == 1 and plan.pace["orders"][-1] == 12


# --- saving -------------------------------------------------------------------------------------------------


def targets(world: World) -> dict[tuple[str, str], Decimal]:
    found = {}
    for target in Target.objects.filter(store=world.stores["S1"], month=OCTOBER).select_related("team", "staff"):
        who = target.staff.name if target.staff else (target.team.name if target.team else "store")
        found[(who, target.metric)] = target.value
    return found


def test_saving_writes_the_months_targets_audited(world: World) -> None:
    store_target(world, "8")
    store_target(world, "6", team=world.teams["T1"])
    store_target(world, "4", staff=world.staff["c1"])
    store_target(world, "3", staff=world.staff["c3"])
    store_target(world, "55", metric="first_visits", staff=world.staff["c3"])
    before = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Target)).count()
    preview = plan_changes(world.stores["S1"], OCTOBER, Decimal(10), TODAY)
    assert targets(world)[("store", "units_delivered")] == 8  # a preview writes nothing
    assert [(c.level, c.name, c.metric, c.before, c.after) for c in preview] == [
        ("store", "S1店", "units_delivered", 8, 10), ("store", "S1店", "first_visits", None, 100),
        ("team", "一组", "first_visits", None, 60),  # 6 cars: 18 orders, 24 test drives, 60 first visits
        ("person", "c1", "first_visits", None, 40), ("person", "c3", "first_visits", 55, 30)]  # 70 as 4 : 3
    changed = save_plan(world.stores["S1"], OCTOBER, Decimal(10), TODAY, user=world.users["m1"])
    assert len(changed) == 5
    assert targets(world) == {
        ("store", "units_delivered"): 10, ("store", "first_visits"): 100, ("一组", "units_delivered"): 6,
        ("一组", "first_visits"): 60, ("c1", "units_delivered"): 4, ("c3", "units_delivered"): 3,
        ("c1", "first_visits"): 40, ("c3", "first_visits"): 30}
    after = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Target))
    assert after.count() == before + 5
    assert save_plan(world.stores["S1"], OCTOBER, Decimal(10), TODAY, user=world.users["m1"]) == []


def test_set_target_and_set_annual_target_change_an_existing_figure(world: World) -> None:
    store = world.stores["S1"]
    set_target(store, OCTOBER, "units_delivered", Decimal(8))
    set_target(store, OCTOBER, "units_delivered", Decimal(9))
    set_annual_target(store, 2026, "units_delivered", Decimal(100))
    set_annual_target(store, 2026, "units_delivered", Decimal(120))
    assert Target.objects.get(store=store, metric="units_delivered").value == 9
    assert AnnualTarget.objects.get(store=store, metric="units_delivered").value == 120


def test_without_a_rate_only_the_deliveries_are_saved(world: World) -> None:
    s2 = world.stores["S2"]
    changes = save_plan(s2, OCTOBER, Decimal(5), TODAY, user=world.users["m2"])
    assert [(c.metric, c.after) for c in changes] == [("units_delivered", 5)]
    assert list(Target.objects.filter(store=s2).values_list("metric", "value")) == [("units_delivered", 5)]


def test_people_never_get_more_than_the_store() -> None:
    assert shares_of(Decimal(10), {1: Decimal(1), 2: Decimal(1), 3: Decimal(1)}) == {1: 4, 2: 3, 3: 3}
    assert shares_of(Decimal(7), {1: Decimal(4), 2: Decimal(3)}) == {1: 4, 2: 3}
    assert shares_of(Decimal(5), {1: Decimal(0)}) == {1: 0}


def test_a_lowered_store_target_caps_the_peoples_visits(world: World) -> None:
    store_target(world, "4", staff=world.staff["c1"])
    store_target(world, "4", staff=world.staff["c3"])
    changes = plan_changes(world.stores["S1"], OCTOBER, Decimal(4), TODAY)  # 8 cars allocated, 4 planned
    people = {c.name: c.after for c in changes if c.level == "person"}
    assert people == {"c1": 20, "c3": 20} and sum(people.values()) == 40  # the store's 40 first visits


# --- the page ---------------------------------------------------------------------------------------------


def test_the_manager_previews_then_saves(world: World) -> None:
    client = signed_in("m1")
    page = client.get(URL, {"month": "2026-10"})
    assert page.status_code == 200 and b'data-testid="plan-form"' in page.content
    assert b"2026-07 to 2026-09" in page.content
    preview = client.post(f"{URL}?month=2026-10", {"deliveries": "10", "action": "preview"})
    assert preview.status_code == 200 and b'data-testid="plan-changes"' in preview.content
    assert b"<b>100</b>" in preview.content  # the store's first visits, recalculated
    assert b'data-change="store-first_visits"><td>S1' in preview.content
    assert b'<td class="num">\xe2\x80\x94</td><td class="num">100</td>' in preview.content  # none yet -> 100
    assert not Target.objects.filter(store=world.stores["S1"]).exists()
    saved = client.post(f"{URL}?month=2026-10", {"deliveries": "10", "action": "save"})
    assert saved.status_code == 302 and saved["Location"] == f"{URL}?store={world.stores['S1'].pk}&month=2026-10"
    assert targets(world) == {("store", "units_delivered"): 10, ("store", "first_visits"): 100}
    assert b'name="deliveries" value="10"' in client.get(URL, {"month": "2026-10"}).content
    shown = client.get(reverse("targets-month"), {"month": "2026-10"})
    assert b'data-testid="store-targets"' in shown.content and b">10</td>" in shown.content


@pytest.mark.parametrize("key", ["sup1", "c1", "gm1", "ho_group", "hr1"])
def test_others_read_but_do_not_change(world: World, key: str) -> None:
    client = signed_in(key)
    page = client.get(URL, {"month": "2026-10", "store": world.stores["S1"].pk})
    assert page.status_code == 200
    assert b'data-testid="plan-form"' not in page.content
    refused = client.post(f"{URL}?month=2026-10&store={world.stores['S1'].pk}", {"deliveries": "10",
                                                                                  "action": "save"})
    assert refused.status_code == 403
    assert not Target.objects.exists()


def test_a_consultant_sees_only_their_line(world: World) -> None:
    store_target(world, "10")
    page = signed_in("c1").get(URL, {"month": "2026-10"})
    assert f'data-line="person-{world.staff["c1"].pk}"'.encode() in page.content
    assert b'data-line="store-' not in page.content and b'data-line="team-' not in page.content
    assert f'data-line="person-{world.staff["c2"].pk}"'.encode() not in page.content
    # the store's rates explain the plan; the store's counts behind them are for those who read the store
    assert b"40.0%" in page.content and b'data-testid="count"' not in page.content
    assert b'data-testid="count">30<' in signed_in("m1").get(URL, {"month": "2026-10"}).content


@pytest.mark.parametrize("key", ["m2", "ho_g2", "c4"])
def test_another_stores_plan_is_not_found(world: World, key: str) -> None:
    client = signed_in(key)
    assert client.get(URL, {"store": world.stores["S1"].pk}).status_code == 404
    assert client.post(f"{URL}?store={world.stores['S1'].pk}", {"deliveries": "3", "action": "save"}
                       ).status_code == 404
    assert not Target.objects.exists()


def test_head_office_may_pick_a_store(world: World) -> None:
    page = signed_in("ho_group").get(URL, {"store": world.stores["S2"].pk, "month": "2026-10"})
    assert page.status_code == 200 and "S2店".encode() in page.content


@pytest.mark.parametrize("params", [{"month": "2026-13"}, {"month": "２０２６-10"}, {"store": "abc"},
                                    {"store": "99999999999999999999"}, {"month": "1999-01"}, {"month": "\x00"}])
def test_hostile_query_parameters_read_as_not_asked(world: World, params: dict[str, str]) -> None:
    assert signed_in("m1").get(URL, params).status_code == 200


@pytest.mark.parametrize("value", ["-1", "1.5", "x", "1000000", "", "1e6", "NaN", "\x00"])
def test_hostile_targets_get_a_field_error(world: World, value: str) -> None:
    for action in ("preview", "save", "other"):
        page = signed_in("m1").post(f"{URL}?month=2026-10", {"deliveries": value, "action": action})
        assert page.status_code == 200
        assert b'class="errors"' in page.content
    assert not Target.objects.exists()


def test_the_plan_costs_the_same_queries_for_more_people(world: World) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            plan = sales_plan(world.stores["S1"], OCTOBER, TODAY, viewer(world, "m1"))
        assert plan.lines
        return len(captured)

    before = queries()
    c1 = world.staff["c1"]
    for number in range(3):
        newcomer = Staff.objects.create(group=c1.group, store=c1.store, employee_no=f"N{number}", name=f"n{number}",
                                        role=Role.CONSULTANT, hire_date=HIRED)
        TeamMembership.objects.create(staff=newcomer, team=world.teams["T2"], valid_from=HIRED)
        world.staff[newcomer.name] = newcomer
    for key in ("c2", "c3", "n0", "n1", "n2"):
        store_target(world, "2", staff=world.staff[key])
        delivered_deal(world, key, moment(10, 15))
        visits(world, key, 2, moment(10, 16))
    assert queries() == before
    assert len(sales_plan(world.stores["S1"], OCTOBER, TODAY, viewer(world, "m1")).lines) == 10
