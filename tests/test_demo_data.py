"""A demo a dealer recognises: the properties of the data `dealerkpi demo` generates (scale S, seed 1, the example
plans and their targets), here up to a fixed day in the middle of a month, so that the first and the current month
are partial as they are on most days (docs/data.md, "What the demo holds").

The data is generated once for the module and the bonus runs of the last complete month are computed once; every
test reads them. The targets the plans need are read from the plan documents as published, not from a list.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, DateTimeField, F, Max, Min, Model, Q
from django.db.models.functions import TruncDate

from dealerkpi import metrics
from dealerkpi.catalog.models import TrimPrice
from dealerkpi.conduct.models import ChecklistKind, Fault, ProcessCheck, ProcessStep
from dealerkpi.conduct.services import score
from dealerkpi.core.bulk import BulkWriter
from dealerkpi.crm.models import (
    Complaint,
    Customer,
    FloorShift,
    FollowUp,
    Lead,
    LostSale,
    OwnershipRule,
    ShowroomVisit,
    SurveyResult,
)
from dealerkpi.crm.models import TestDrive as Drive
from dealerkpi.demo_data.clock import months_before
from dealerkpi.demo_data.generate import Generator
from dealerkpi.demo_data.plans import EXAMPLE_PLANS, examples_dir, targets_read
from dealerkpi.demo_data.scales import SCALES
from dealerkpi.demo_data.targets import write_targets
from dealerkpi.market.models import CompetitorPrice, PresentationAudit, PromotionExecution
from dealerkpi.metrics import Member
from dealerkpi.org.models import STORE_WIDE_ROLES, DealerGroup, Role, Staff, Store
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement
from dealerkpi.people.models import (
    AttendanceRecord,
    AttendanceRules,
    Candidate,
    Certification,
    Interview,
    OnboardingItem,
    Position,
    Probation,
    TrainingRecord,
)
from dealerkpi.plans import engine
from dealerkpi.plans.engine import Period, expr
from dealerkpi.plans.engine.names import reference
from dealerkpi.plans.models import Plan, PlanVersion
from dealerkpi.reports.analysis import month_analysis
from dealerkpi.sales.models import (
    Delivery,
    DeliveryFollowUp,
    Order,
    OrderApproval,
    OrderCredit,
    Reversal,
    SalesPolicy,
    Spiff,
)
from dealerkpi.stock import ordering
from dealerkpi.stock.models import FloorPlanRate, Vehicle, VehicleOrder, VehicleOrderLine, WholesalePrice
from dealerkpi.targets.models import Target
from dealerkpi.tasks.models import Task

SH = ZoneInfo("Asia/Shanghai")
UNTIL = datetime.date(2026, 6, 17)
NOW = datetime.datetime(2026, 6, 17, 12, 0, tzinfo=SH)  # on the last day only the morning has happened
LAST_COMPLETE = Period(2026, 5)
YEAR = [Period(2025 + (5 + n) // 12, (5 + n) % 12 + 1) for n in range(12)]  # June 2025 to May 2026
MONTHS = [Period(2025, 4), Period(2025, 5), *YEAR, Period(2026, 6)]  # every month the data touches
# Dates that are plans, not facts: they may lie after the last day.
PLANNED = {
    (Lead, "next_follow_up_on"), (FollowUp, "due_on"), (FollowUp, "next_due_on"), (Delivery, "scheduled_for"),
    (DeliveryFollowUp, "due_on"), (Complaint, "due_on"), (Drive, "starts_at"), (Drive, "ends_at"),
    (PromotionExecution, "ends_on"), (OnboardingItem, "due_on"), (Probation, "ends_on"), (Certification, "expires_on"),
    (FloorShift, "day"), (SalesPolicy, "valid_to"), (Spiff, "valid_to"), (Task, "due_on"),
}
# (record, the person in it, the record's date): the person worked in the store on that date.
ACTS = [
    (Lead, "owner", "created_at"), (Lead, "owner", "closed_at"), (Customer, "owner", "created_at"),
    (FollowUp, "staff", "at"), (ShowroomVisit, "consultant", "arrived_at"), (Drive, "consultant", "starts_at"),
    (LostSale, "requested_by", "requested_at"), (LostSale, "decided_by", "decided_at"),
    (Order, "consultant", "ordered_at"), (OrderCredit, "staff", "order__ordered_at"),
    (OrderApproval, "requested_by", "requested_at"), (OrderApproval, "decided_by", "decided_at"),
    (DeliveryFollowUp, "staff", "done_at"), (Reversal, "recorded_by", "at"), (Complaint, "about_staff", "received_at"),
    (Complaint, "handler", "received_at"), (TrainingRecord, "staff", "held_on"), (TrainingRecord, "trainer", "held_on"),
    (AttendanceRecord, "staff", "day"), (CompetitorPrice, "reported_by", "seen_on"),
    (PresentationAudit, "auditor", "audited_on"), (PromotionExecution, "assessed_by", "starts_on"),
    (Position, "opened_by", "opened_on"), (Interview, "interviewer", "held_on"), (OnboardingItem, "done_by", "done_on"),
    (Probation, "decided_by", "decided_on"), (Certification, "staff", "obtained_on"),
    (FloorShift, "staff", "day"), (ProcessCheck, "staff", "day"), (ProcessCheck, "checker", "day"),
    (Fault, "staff", "day"), (Fault, "recorded_by", "recorded_at"), (Fault, "decided_by", "decided_at"),
    (Task, "owner", "due_on"), (Task, "closed_by", "closed_at"), (Spiff, "published_by", "published_at"),
]


@pytest.fixture(scope="module")
def statements(django_db_setup, django_db_blocker) -> Iterator[dict[int, list[Statement]]]:
    """Generate the demo group up to UNTIL; each store's statements of the last complete month."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("generate", scale="S", seed=1, until=UNTIL, stdout=StringIO())
        found = {}
        for store in Store.objects.order_by("code"):
            run = runs.compute(runs.new_run(store, LAST_COMPLETE))
            assert not run.error, run.error
            found[store.pk] = list(Statement.objects.filter(run=run).select_related("plan_version__plan")
                                   .prefetch_related("indicators"))
        yield found
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("statements")]


def people_of(month: Period) -> dict[int, metrics.PeriodActuals]:
    """Each store's people of the month (role and team of their last day) and the cars they delivered."""
    store_ids = list(Store.objects.order_by("pk").values_list("pk", flat=True))
    return metrics.compute_by_store(["units_delivered"], store_ids, month, as_of=UNTIL)


def employed(figures: metrics.PeriodActuals, store_id: int, role: str) -> list[Member]:
    return [p for p in figures.people.values() if p.employed_in == store_id and p.role == role]


# --- 1. cars a consultant sells -----------------------------------------------------------------------------


def test_consultants_sell_8_to_12_cars_a_month_with_a_spread_between_them_and_between_months() -> None:
    whole_month = {pk: (hired, left) for pk, hired, left in Staff.objects.values_list("pk", "hire_date", "leave_date")}
    cars, store_months = [], []
    for month in YEAR:
        for store_id, figures in people_of(month).items():
            there = [p.staff_id for p in employed(figures, store_id, Role.CONSULTANT)
                     if whole_month[p.staff_id][0] < month.first_day
                     and (whole_month[p.staff_id][1] or UNTIL) >= month.last_day]
            sold = [figures.value(staff_id, "units_delivered") or Decimal(0) for staff_id in there]
            cars += sold
            store_months.append(statistics.mean(sold))
    assert 8 <= statistics.mean(cars) <= 12
    assert min(cars) <= 4 and max(cars) >= 14, "some sell 3 in a month, some 15"
    assert max(store_months) - min(store_months) >= 2, "busy months and quiet ones"
    for store in Store.objects.all():
        assert 15 <= Staff.objects.filter(store=store, role=Role.CONSULTANT, leave_date=None).count() <= 20


# --- 2. targets ---------------------------------------------------------------------------------------------


def published_plans() -> list[engine.Plan]:
    versions = list(PlanVersion.objects.select_related("plan").order_by("plan__code"))
    assert sorted(v.plan.code for v in versions) == sorted(EXAMPLE_PLANS)
    for version in versions:
        assert version.document == (examples_dir() / f"{version.plan.code}.yaml").read_text(encoding="utf-8")
    return [version.engine_plan() for version in versions]


def targets_needed(plan: engine.Plan) -> Iterator[tuple[str, str]]:
    """(target kind, metric) of each weighted indicator whose target is read from Target rows: `target: person` is
    target.<metric>, `target: team` team.target.<metric>; a fixed `target: 95`, or none, reads no row."""
    weighted = {weight.indicator for weights in plan.weight_sets for weight in weights.weights if weight.weight}
    derived = {name for name, _ in plan.derived}
    for indicator in plan.indicators:
        if indicator.id in weighted and indicator.target is not None:
            for name in expr.names(indicator.target.tree):
                found = reference(name.name, derived)
                if found.kind in ("target", "team.target"):
                    yield found.kind, found.subject


def test_the_plans_read_targets_of_volume_profit_and_new_customers() -> None:
    needed = {plan.id: set(targets_needed(plan)) for plan in published_plans()}
    assert ("target", "units_delivered") in needed["consultant"]
    assert not needed["consultant_probation"], "a newcomer's targets are the plan's own"
    assert ("team.target", "units_delivered") in needed["supervisor"]
    assert ("team.target", "front_gross_profit") in needed["sales_manager"]


Levels = tuple[dict[tuple[int, str], Decimal], dict[tuple[int, str], Decimal], dict[tuple[int, str], Decimal]]


def targets_of(month: Period) -> Levels:
    """The month's targets by level: (store, metric), (team, metric) and (person, metric) -> value."""
    store, team, person = {}, {}, {}
    found = Target.objects.filter(month=month.first_day)
    for store_id, team_id, staff_id, metric, value in found.values_list("store", "team", "staff", "metric", "value"):
        if staff_id:
            person[(staff_id, metric)] = value
        elif team_id:
            team[(team_id, metric)] = value
        else:
            store[(store_id, metric)] = value
    return store, team, person


def test_every_weighted_indicator_has_its_target_at_every_level_for_every_month() -> None:
    needed = {plan.role: set(targets_needed(plan)) for plan in published_plans()}
    for month in MONTHS:
        store, team, person = targets_of(month)
        for store_id, figures in people_of(month).items():
            for role, targets in needed.items():
                for member in employed(figures, store_id, role):
                    for kind, metric in targets:
                        assert store[(store_id, metric)] > 0, (month, metric)
                        if kind == "target":
                            assert person[(member.staff_id, metric)] > 0, (month, role, metric)
                        elif role not in STORE_WIDE_ROLES:  # a store-wide role's team is the store: its row
                            assert team[(member.team_id, metric)] > 0, (month, role, metric)


def test_a_store_wide_role_has_no_copy_of_the_stores_targets_as_its_own() -> None:
    """The sales manager's team targets are the store's rows; the manager has own rows only for what the plan
    reads of their own (the year of cars of the annual bonus), so the split counts no target twice."""
    own = targets_read(published_plans()).own
    for month in MONTHS:
        store, _team, person = targets_of(month)
        for store_id, figures in people_of(month).items():
            for role in STORE_WIDE_ROLES:
                for member in employed(figures, store_id, role):
                    kept = {metric for (staff_id, metric) in person if staff_id == member.staff_id}
                    assert kept == own.get(role, frozenset()) & {m for (s, m) in store if s == store_id}, role


def test_no_statement_of_the_month_skips_an_indicator(statements: dict[int, list[Statement]]) -> None:
    for found in statements.values():
        assert {s.plan_version.plan.code for s in found} == set(EXAMPLE_PLANS)
        skipped = [(s.staff_id, i.code, i.note) for s in found for i in s.indicators.all() if i.skipped]
        assert not skipped


def test_the_newcomers_on_probation_are_paid_by_the_probation_plan(statements: dict[int, list[Statement]]) -> None:
    for found in statements.values():
        for statement in found:
            lighter = statement.plan_version.plan.for_probation
            assert (statement.probation_until is not None) == lighter
            if lighter:
                assert Probation.objects.get(staff_id=statement.staff_id).ends_on == statement.probation_until


def test_the_recent_hires_were_recruited_onboarded_and_are_on_probation() -> None:
    recent = Staff.objects.filter(store__isnull=False, role="consultant",
                                  hire_date__gt=UNTIL - datetime.timedelta(days=183))
    assert recent.exists()
    for person in recent:
        assert person.probation.starts_on == person.hire_date
        assert person.onboarding.count() == len(OnboardingItem.DUE_DAYS)
        assert Candidate.objects.get(hired_as=person).position.status == Position.Status.FILLED
    for store in Store.objects.all():
        assert Position.objects.filter(store=store, status=Position.Status.OPEN).exists()
    assert Interview.objects.filter(recommend=True).exists() and Interview.objects.filter(recommend=False).exists()
    soon = Certification.objects.filter(expires_on__lte=UNTIL + datetime.timedelta(days=60))
    assert soon.exists() and Certification.objects.filter(expires_on__gt=UNTIL + datetime.timedelta(days=60)).exists()


def test_targets_are_the_store_stretched_a_little_and_split_to_people_and_teams() -> None:
    for month in YEAR:
        store, team, person = targets_of(month)
        for store_id, figures in people_of(month).items():
            target = store[(store_id, "units_delivered")]
            assert figures.total("units_delivered") <= target <= figures.total("units_delivered") * Decimal("1.13")
            consultants = employed(figures, store_id, Role.CONSULTANT)
            assert sum(person[(p.staff_id, "units_delivered")] for p in consultants) == target
            for team_id in {p.team_id for p in consultants}:
                shares = [person[(p.staff_id, "units_delivered")] for p in consultants if p.team_id == team_id]
                assert sum(shares) == team[(team_id, "units_delivered")], (month, team_id)


A_SUPERVISORS_OWN_VOLUME = """
plan: supervisor_own_sales
name: 主管本人与团队销量
role: supervisor
version: "t1"
period: month
indicators:
  own_volume:
    label: 本人销量
    metric: units_delivered
    target: person
    scoring: {kind: linear, cap: 120}
  team_profit:
    label: 团队前端毛利
    metric: front_gross_profit
    scope: team
    target: team
    scoring: {kind: linear, cap: 120}
weights:
  default: {own_volume: 50, team_profit: 50}
base_pay:
  - {amount: 3000}
"""


def test_a_plan_that_reads_other_targets_gets_them() -> None:
    """A supervisor plan reading the supervisor's own volume target: supervisors get one (an average consultant's
    month) and teams their profit target, for every month."""
    read = targets_read([engine.check_plan_text(A_SUPERVISORS_OWN_VOLUME, source="own.yaml")])
    assert read.own == {Role.SUPERVISOR: {"units_delivered"}} and read.team == {Role.SUPERVISOR: {"front_gross_profit"}}
    Target.objects.all().delete()
    writer = BulkWriter()
    group_ids = list(DealerGroup.objects.values_list("pk", flat=True))
    write_targets(writer, group_ids, MONTHS[0].first_day, UNTIL, 1, read)
    writer.close()
    for month in MONTHS:
        store, team, person = targets_of(month)
        for store_id, figures in people_of(month).items():
            consultants = employed(figures, store_id, Role.CONSULTANT)
            for supervisor in employed(figures, store_id, Role.SUPERVISOR):
                assert 0 < person[(supervisor.staff_id, "units_delivered")] < store[(store_id, "units_delivered")]
                shares = [person[(p.staff_id, "front_gross_profit")] for p in consultants
                          if p.team_id == supervisor.team_id]
                assert team[(supervisor.team_id, "front_gross_profit")] == sum(shares)


# --- 3. nothing after now -----------------------------------------------------------------------------------


def dated_fields(model: type[Model]) -> Iterator[tuple[str, bool]]:
    for field in model._meta.concrete_fields:
        if (model, field.name) not in PLANNED and field.get_internal_type() in ("DateTimeField", "DateField"):
            yield field.name, isinstance(field, DateTimeField)


def test_nothing_is_dated_after_noon_of_the_last_day() -> None:
    checked = 0
    store_rules = [FloorShift, SalesPolicy, Spiff, ProcessCheck, Fault, Task, SurveyResult]
    for model in [*Generator.models(), Plan, PlanVersion, Target, *store_rules]:
        for name, is_time in dated_fields(model):
            latest = model._default_manager.aggregate(latest=Max(name))["latest"]
            if latest is not None:
                assert latest <= (NOW if is_time else UNTIL), (model.__name__, name, latest)
                checked += 1
    assert checked > 40
    held = Drive.objects.exclude(status=Drive.Status.SCHEDULED)
    assert held.aggregate(latest=Max("starts_at"))["latest"] <= NOW
    assert Drive.objects.filter(status=Drive.Status.SCHEDULED, starts_at__gt=NOW).exists(), "booked ahead"
    assert Delivery.objects.filter(delivered_at=None, scheduled_for__gt=NOW).exists(), "deliveries ahead"


# --- 4. nobody acts before they were hired or after they left -------------------------------------------------


def outside_employment(person: str) -> Q:
    """Before the person's hire date or after their leave date (the record's date annotated as ``dated``)."""
    return Q(**{f"{person}__hire_date__gt": F("dated")}) | Q(**{f"{person}__leave_date__lt": F("dated")})


@pytest.mark.parametrize(("model", "person", "date"), ACTS, ids=[f"{m.__name__}.{p}.{d}" for m, p, d in ACTS])
def test_nobody_holds_or_does_anything_outside_their_employment(model: type[Model], person: str, date: str) -> None:
    field = model._meta.get_field(date.split("__")[0])
    is_time = isinstance(field.related_model._meta.get_field(date.split("__")[1]) if field.is_relation else field,
                         DateTimeField)
    records = model._default_manager.exclude(**{person: None}).exclude(**{date: None})
    records = records.annotate(dated=TruncDate(date, tzinfo=SH) if is_time else F(date))
    assert records.exists()
    wrong = records.filter(outside_employment(person))
    assert not wrong.exists(), list(wrong.values_list(f"{person}__hire_date", f"{person}__leave_date", "dated")[:5])


def test_people_join_on_the_first_of_a_month_and_leave_at_its_end() -> None:
    """So a month's bonus run assesses whole months: nobody starts on the 20th or leaves on the 3rd."""
    joined = Staff.objects.filter(store__isnull=False, hire_date__gt=UNTIL - datetime.timedelta(days=365))
    left = Staff.objects.filter(store__isnull=False, leave_date__isnull=False)
    assert joined.count() >= 4 and left.count() >= 4
    assert {day.day for day in joined.values_list("hire_date", flat=True)} == {1}
    assert {(day + datetime.timedelta(days=1)).day for day in left.values_list("leave_date", flat=True)} == {1}


def test_open_cards_are_with_someone_still_there() -> None:
    open_cards = Lead.objects.filter(status__in=[Lead.Status.OPEN, Lead.Status.DORMANT])
    assert open_cards.count() > 1000
    assert not open_cards.filter(owner__leave_date__lt=UNTIL).exists()
    assert Staff.objects.filter(store__isnull=False, leave_date__isnull=False).exists(), "there are leavers"


# --- 5. last year beside this year --------------------------------------------------------------------------


def test_the_demo_always_covers_the_same_month_last_year() -> None:
    months = SCALES["S"].months
    for offset in range(366):
        until = datetime.date(2026, 1, 1) + datetime.timedelta(days=offset)
        first = months_before(until + datetime.timedelta(days=1), months)
        last_complete = Period(until.year, until.month).first_day - datetime.timedelta(days=1)
        assert first <= last_complete.replace(year=last_complete.year - 1, day=1), until


def test_the_last_complete_month_has_last_year_and_the_month_before_beside_it() -> None:
    for store in Store.objects.all():
        analysis = month_analysis(store, LAST_COMPLETE, today=UNTIL)
        now, previous, last_year = (analysis.tallies[key] for key in ("now", "previous", "last_year"))
        assert now["units"] > 100
        for other in (previous, last_year):
            assert Decimal("0.75") * now["units"] <= other["units"] <= Decimal("1.33") * now["units"]
            assert other["orders"] > 0 and other["sales_amount"] > 0


# --- 6. the manufacturer's side: orders, floor-plan rates, wholesale prices ---------------------------------------


def test_each_store_ordered_its_cars_from_the_manufacturer_and_they_are_allocated_on_the_orders() -> None:
    """The last three months' orders are confirmed, every car received in them (and every car in transit) is on a
    line of its month's order, never more than the line confirmed; next month's is in the works."""
    for store in Store.objects.all():
        orders = list(VehicleOrder.objects.filter(store=store).order_by("month"))
        assert [(order.month, order.status) for order in orders] == [
            (datetime.date(2026, 4, 1), "confirmed"), (datetime.date(2026, 5, 1), "confirmed"),
            (datetime.date(2026, 6, 1), "confirmed"), (datetime.date(2026, 7, 1), "draft")]
        assert all(order.submitted_on < order.confirmed_on < order.month for order in orders[:3])
        cars = Vehicle.objects.filter(store=store).exclude(status=Vehicle.Status.DEMO)
        for car in cars.filter(Q(arrived_on__gte=datetime.date(2026, 4, 1)) | Q(status="in_transit")).select_related(
                "order_line__order"):
            month = (car.arrived_on or UNTIL).replace(day=1)
            assert car.order_line is not None and car.order_line.order.month == month, car.vin
            assert (car.order_line.trim_id, car.order_line.colour) == (car.trim_id, car.colour)
        for line in VehicleOrderLine.objects.filter(order__in=orders[:3]).annotate(n=Count("vehicles")):
            assert line.n == line.confirmed <= line.quantity
        assert cars.filter(status="in_transit", order_line__isnull=True).count() == 0
        assert orders[3].lines.exists() and not Vehicle.objects.filter(order_line__order=orders[3]).exists()


def test_stock_is_financed_from_its_invoice_at_the_rate_of_each_day() -> None:
    for store in Store.objects.all():
        rates = list(FloorPlanRate.objects.filter(store=store).order_by("valid_from"))
        assert len(rates) == 2 and rates[1].annual_percent < rates[0].annual_percent
        cars = Vehicle.objects.filter(store=store, status__in=ordering.FINANCED)
        assert not cars.filter(financed_from__isnull=True).exists()
        assert not cars.filter(financed_from__gt=F("arrived_on")).exists()
        assert rates[0].valid_from <= cars.order_by("financed_from").first().financed_from
        cost = ordering.financing(cars, store.pk, UNTIL)
        assert cost.unrated == 0 and cost.rate == rates[1].annual_percent
        # about 40 to 60 days of stock at ~4% a year: between 0.2% and 1.5% of the stock's value
        assert Decimal("0.002") * cost.value < cost.interest < Decimal("0.015") * cost.value


def test_secondary_dealers_pay_the_cost_and_a_small_margin() -> None:
    for store in Store.objects.all():
        prices = WholesalePrice.objects.filter(store=store)
        priced = TrimPrice.objects.filter(trim__vehicle_model__brand=store.brand_id, valid_from__lte=UNTIL)
        assert prices.count() == priced.count() > 0  # one for each price list of the store's brand
        for price in prices.select_related("trim"):
            cost = TrimPrice.objects.filter(trim=price.trim, valid_from=price.valid_from).get().cost
            assert cost * Decimal("1.01") < price.price < cost * Decimal("1.035")


# --- 6. the showroom floor and the store's rules (demo_data/store_rules.py) ------------------------------------

JUNE_1 = datetime.date(2026, 6, 1)
JUNE_30 = datetime.date(2026, 6, 30)


def test_each_store_has_its_floor_roster_to_a_week_ahead_and_its_own_rules() -> None:
    for store in Store.objects.all():
        shifts = FloorShift.objects.filter(store=store)
        # June 1st to the last day (June 17th) and the 7 days after: June 24th
        assert shifts.aggregate(first=Min("day"), last=Max("day")) == {
            "first": JUNE_1, "last": UNTIL + datetime.timedelta(days=7)}
        assert shifts.filter(day=UNTIL, on_leave=False).count() >= 5, "consultants on the floor today"
        assert shifts.filter(on_leave=True, day__lte=UNTIL).exists() and shifts.filter(on_leave=True).count() < (
            shifts.count() / 5)
        # no shift on a rest day, and on leave exactly when the attendance sheet says the consultant was not in
        sheet = dict(((row.staff_id, row.day), row.status) for row in AttendanceRecord.objects.filter(
            store=store, day__gte=JUNE_1))
        for shift in shifts.filter(day__lte=UNTIL):
            status = sheet[shift.staff_id, shift.day]
            assert status != AttendanceRecord.Status.REST
            assert shift.on_leave == (status not in (AttendanceRecord.Status.PRESENT, AttendanceRecord.Status.LATE))
        assert OwnershipRule.objects.filter(store=store).count() == AttendanceRules.objects.filter(store=store).count(
            ) == 1


def test_each_store_has_the_months_sales_policies_and_a_spiff_this_week_only() -> None:
    for store in Store.objects.all():
        policies = SalesPolicy.objects.filter(store=store)
        assert policies.filter(trim__isnull=False).count() == 3 and policies.filter(vehicle__isnull=False).count() == 1
        assert set(policies.values_list("valid_from", "valid_to")) == {(JUNE_1, JUNE_30)}
        aged = policies.get(vehicle__isnull=False).vehicle
        assert aged.status == Vehicle.Status.IN_STOCK
        assert not Vehicle.objects.filter(store=store, status=Vehicle.Status.IN_STOCK,
                                          arrived_on__lt=aged.arrived_on).exists(), "the car longest in stock"
        spiff = Spiff.objects.get(store=store)
        # UNTIL is Wednesday 2026-06-17: the week runs Monday the 15th to Sunday the 21st, all in June, after May's run
        assert (spiff.valid_from, spiff.valid_to) == (datetime.date(2026, 6, 15), datetime.date(2026, 6, 21))
        assert spiff.vehicle_model_id is not None and spiff.status == Spiff.Status.PUBLISHED
        assert spiff.paid_at is None and spiff.amount == Decimal("500")


def test_each_store_checks_its_process_against_its_steps_and_has_faults_in_every_state() -> None:
    for store in Store.objects.all():
        steps = ProcessStep.objects.filter(store=store)
        assert steps.filter(kind=ChecklistKind.RECEPTION).count() == 6
        assert steps.filter(kind=ChecklistKind.DELIVERY).count() == 5
        checks = ProcessCheck.objects.filter(store=store).prefetch_related("steps")
        # every other day from June 1st to the 17th: the 1st, 3rd, ..., 17th = 9 checks, receptions and deliveries
        assert checks.count() == 9 and {check.day.day for check in checks} == set(range(1, 18, 2))
        assert {check.kind for check in checks} == set(ChecklistKind)
        assert checks.exclude(shopper="").exists() and checks.filter(shopper="").exists()
        for check in checks:
            assert len(check.steps.all()) == steps.filter(kind=check.kind).count()
            assert check.score == score((step.weight, step.passed) for step in check.steps.all())
        faults = Fault.objects.filter(store=store)
        assert sorted(faults.values_list("status", flat=True)) == sorted(
            [Fault.Status.PROPOSED, Fault.Status.APPROVED, Fault.Status.APPEALED, Fault.Status.REJECTED])
        assert not faults.filter(day__lt=JUNE_1).exists()
        assert not faults.filter(status=Fault.Status.PROPOSED, decided_at__isnull=False).exists()
        appealed = faults.get(status=Fault.Status.APPEALED)
        assert appealed.recorded_at < appealed.decided_at < appealed.appealed_at <= NOW
        # the demo's consultant login (the first consultant employed on the last day) sees a check and an appeal
        consultant = next(person for person in Staff.objects.filter(store=store, role=Role.CONSULTANT)
                          .order_by("employee_no") if person.is_employed_on(UNTIL))
        assert appealed.staff == consultant and checks.filter(staff=consultant).exists()


def test_each_store_has_the_months_tasks_open_overdue_and_done() -> None:
    for store in Store.objects.all():
        tasks = Task.objects.filter(store=store, due_on__gte=JUNE_1, due_on__lte=JUNE_30)
        assert tasks.count() == Task.objects.filter(store=store).count() == 4
        assert tasks.filter(Task.overdue_on(UNTIL)).exists()
        assert tasks.filter(status=Task.Status.OPEN, due_on__gte=UNTIL).exists()
        done = tasks.filter(status=Task.Status.DONE)
        assert done.count() == 2 and not done.filter(Q(evidence_note="") | Q(closed_at=None)).exists()
        assert set(tasks.values_list("source", flat=True)) == set(Task.Source)


def test_each_store_has_csi_and_ssi_results_of_past_months_and_this_one() -> None:
    for store in Store.objects.all():
        results = SurveyResult.objects.filter(store=store)
        assert set(results.values_list("kind", flat=True)) == set(SurveyResult.Kind)
        assert results.filter(surveyed_on__gte=JUNE_1).exists() and results.filter(surveyed_on__lt=JUNE_1).exists()
        assert results.aggregate(latest=Max("surveyed_on"))["latest"] <= UNTIL
        assert not results.filter(Q(score__lt=0) | Q(score__gt=100)).exists()
        # each result is of a car the consultant sold and delivered
        delivered = set(Delivery.objects.filter(store=store).values_list("vehicle_id", "order__consultant_id"))
        assert set(results.values_list("vehicle_id", "consultant_id")) <= delivered
