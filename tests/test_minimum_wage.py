"""A store's dated minimum wage and the staff record's base salary, through a bonus run: read for many stores in one
query, prorated for a mid-month hire, topped up by a line of its own (paid in the payroll's base column) or flagged
with a warning as the plan says, and said when the store has none."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from dealerkpi.core.models import AuditEntry
from dealerkpi.org.models import MinimumWage, Role, RoleAssignment, Staff, TeamMembership
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.exports import payroll_column
from dealerkpi.pay.inputs import members_by_store, minimum_wages_in_force
from dealerkpi.pay.models import Run, Statement, StatementLine
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, publish_version
from tests.world import PASSWORD, World, build_world

pytestmark = pytest.mark.django_db
OCTOBER = Period(2026, 10)
PLAN = """
plan: salaried_consultant
name: 底薪顾问方案
role: consultant
version: "m1"
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
minimum_wage: top_up
indicators:
  volume: {label: 销量, metric: units_delivered, target: 2, scoring: {kind: linear, cap: 120}}
weights:
  default: {volume: 100}
base_pay:
  - {amount: base_salary}
pay:
  unit_award: {label: 单车奖, kind: per_unit, amount: 300}
"""
# c1 is credited half a car, c2 one and a half, c3 one (tests/world.py): 150, 450 and 300 of unit awards.
SALARIES = {"c1": Decimal("2000"), "c2": Decimal("3000")}


@pytest.fixture
def world() -> World:
    world = build_world()
    for name, salary in SALARIES.items():
        Staff.objects.filter(pk=world.staff[name].pk).update(base_salary=salary)
    return world


def publish(world: World, plan: str = PLAN) -> None:
    group = world.stores["S1"].region.group
    record, _ = Plan.objects.get_or_create(group=group, code="consultant", defaults={"name": "顾问方案",
                                                                                   "role": "consultant"})
    publish_version(record, plan, datetime.date(2026, 1 + record.versions.count(), 1))


def set_minimum_wages(world: World) -> None:
    """S1 in Hangzhou: 2,280 from August 2021, 2,490 from January 2025, 2,600 from November 2026 (after October)."""
    for day, amount in (("2021-08-01", "2280"), ("2025-01-01", "2490"), ("2026-11-01", "2600")):
        MinimumWage.objects.create(store=world.stores["S1"], effective_from=datetime.date.fromisoformat(day),
                                   monthly_amount=Decimal(amount))


def hire_mid_month(world: World, name: str = "c7", hired: datetime.date = datetime.date(2026, 10, 10)) -> Staff:
    store = world.stores["S1"]
    staff = Staff.objects.create(group=store.region.group, store=store, employee_no=f"E9{name}", name=name,
                                 role=Role.CONSULTANT, hire_date=hired, base_salary=Decimal("1200"))
    RoleAssignment.objects.create(staff=staff, role=Role.CONSULTANT, store=store, valid_from=hired)
    TeamMembership.objects.create(staff=staff, team=world.teams["T1"], valid_from=hired)
    return staff


def compute(world: World) -> Run:
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    assert run.status == Run.Status.DRAFT, run.error
    return run


def statement(run: Run, name: str) -> Statement:
    return Statement.objects.get(run=run, staff__name=name)


def top_up(run: Run, name: str) -> StatementLine | None:
    return statement(run, name).lines.filter(kind="minimum_wage").first()


# --- the setting -----------------------------------------------------------------------------------------------


def test_a_minimum_wage_starts_on_the_first_of_a_month_once_per_store_and_is_audited(world: World) -> None:
    store = world.stores["S1"]
    with translation.override("en"):
        with pytest.raises(ValidationError, match="first day of the month"):
            MinimumWage(store=store, effective_from=datetime.date(2025, 1, 15),
                        monthly_amount=Decimal(2490)).full_clean()
        with pytest.raises(ValidationError, match="cannot be negative"):
            MinimumWage(store=store, effective_from=datetime.date(2025, 1, 1), monthly_amount=Decimal(-1)).full_clean()
    wage = MinimumWage.objects.create(store=store, effective_from=datetime.date(2025, 1, 1),
                                      monthly_amount=Decimal(2490))
    with pytest.raises(ValidationError):
        MinimumWage(store=store, effective_from=datetime.date(2025, 1, 1), monthly_amount=Decimal(2500)).full_clean()
    created = AuditEntry.objects.get(object_id=str(wage.pk), content_type__model="minimumwage")
    assert created.action == AuditEntry.Action.CREATE and Decimal(created.after["monthly_amount"]) == 2490


def test_the_minimum_wage_of_a_month_is_the_latest_in_force_on_its_first_day_for_all_stores_at_once(
    world: World, django_assert_num_queries
) -> None:
    set_minimum_wages(world)
    MinimumWage.objects.create(store=world.stores["S2"], effective_from=datetime.date(2026, 10, 1),
                               monthly_amount=Decimal(2690))
    ids = [store.pk for store in world.stores.values()]
    with django_assert_num_queries(1):
        october = minimum_wages_in_force(ids, OCTOBER.first_day)
    assert october == {world.stores["S1"].pk: Decimal(2490), world.stores["S2"].pk: Decimal(2690)}
    assert minimum_wages_in_force(ids, datetime.date(2026, 11, 1))[world.stores["S1"].pk] == Decimal(2600)
    assert minimum_wages_in_force(ids, datetime.date(2020, 1, 1)) == {}


def test_members_carry_their_base_salary_and_the_days_they_were_employed_in_the_store(world: World) -> None:
    hire_mid_month(world)
    Staff.objects.filter(pk=world.staff["c3"].pk).update(leave_date=datetime.date(2026, 10, 20))
    members = {m.name: m for m in members_by_store([world.stores["S1"].pk], OCTOBER)[world.stores["S1"].pk]}
    assert (members["c7"].days_employed, members["c7"].base_salary) == (22, Decimal("1200.00"))
    assert (members["c3"].days_employed, members["c3"].base_salary) == (20, None)
    assert (members["c1"].days_employed, members["c1"].base_salary) == (31, Decimal("2000.00"))


def test_head_office_sets_minimum_wages_in_the_master_data_and_edits_the_base_salary(world: World, client) -> None:
    client.login(username="ho_group", password=PASSWORD)
    added = client.post(reverse("admin:org_minimumwage_add"), {
        "store": world.stores["S1"].pk, "effective_from": "2025-01-01", "monthly_amount": "2490"})
    assert added.status_code == 302, added.content.decode()[:2000]
    assert MinimumWage.objects.get(store=world.stores["S1"]).monthly_amount == Decimal(2490)
    form = client.get(reverse("admin:org_staff_change", args=[world.staff["c1"].pk])).content.decode()
    assert 'name="base_salary"' in form
    client.login(username="admin", password=PASSWORD)
    store = client.get(reverse("admin:org_store_change", args=[world.stores["S1"].pk])).content.decode()
    assert 'name="minimum_wages-0-monthly_amount"' in store and 'value="2490.00"' in store


# --- the run ---------------------------------------------------------------------------------------------------


def test_a_run_pays_the_base_salary_and_tops_the_pay_up_to_the_stores_minimum_wage(world: World) -> None:
    publish(world)
    set_minimum_wages(world)
    hire_mid_month(world)
    run = compute(world)
    totals = dict(Statement.objects.filter(run=run).values_list("staff__name", "total"))
    assert totals == {"c1": Decimal("2490.00"), "c2": Decimal("3450.00"), "c3": Decimal("2490.00"),
                      "c7": Decimal("1767.10")}
    c1 = top_up(run, "c1")
    assert c1.amount == Decimal("340.00"), "2,490 - (2,000 base salary + 150 for half a car)"
    assert c1.inputs == {"minimum_wage": "2490.00", "days_employed": "31"}
    assert c1.values["pay_before_top_up"] == "2150.00" and payroll_column(c1) == "base"
    with translation.override("en"):
        assert c1.label_text == "Minimum wage top-up to 2490.00" and c1.category_label == "Base pay"
    c7 = top_up(run, "c7")
    assert c7.amount == Decimal("567.10"), "22 of 31 days: 2,490 x 22 / 31 = 1,767.10, less the 1,200 base salary"
    assert c7.inputs["days_employed"] == "22" and top_up(run, "c2") is None
    c3 = statement(run, "c3")
    assert c3.warnings == [{"kind": "missing_value", "figure": "base_salary", "policy": "zero",
                            "item": {"kind": "base_pay", "id": "base_pay", "label": ""}, "blocking": False}]
    assert c3.lines.get(kind="base_pay").amount == Decimal(0) and top_up(run, "c3").amount == Decimal("2190.00")


def test_a_plan_that_flags_warns_of_the_pay_below_the_minimum_wage_on_the_run_and_the_statement(
    world: World, client
) -> None:
    publish(world, PLAN.replace("minimum_wage: top_up", "minimum_wage: flag"))
    set_minimum_wages(world)
    run = compute(world)
    assert top_up(run, "c1") is None and statement(run, "c1").total == Decimal("2150.00")
    assert statement(run, "c1").warnings == [{"kind": "below_minimum_wage", "figure": "2490.00", "policy": "flag",
                                              "item": {"kind": "minimum_wage", "id": "minimum_wage", "label": ""},
                                              "blocking": False}]
    assert statement(run, "c2").warnings == []
    client.login(username="m1", password=PASSWORD)
    client.cookies["django_language"] = "en"
    shown = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    said = "the pay is below the minimum wage of 2490.00; the plan flags it, nothing is added"
    assert 'data-testid="run-warnings"' in shown and said in shown and "Minimum wage" in shown
    assert said in client.get(reverse("statement-detail", args=[statement(run, "c1").pk])).content.decode()


def test_a_store_without_a_minimum_wage_is_said_on_each_statement_and_does_not_block(world: World) -> None:
    publish(world)
    run = compute(world)
    missing = {"kind": "missing_minimum_wage", "figure": "minimum_wage", "policy": "top_up",
               "item": {"kind": "minimum_wage", "id": "minimum_wage", "label": ""}, "blocking": False}
    assert statement(run, "c2").warnings == [missing] and not run.statements.filter(lines__kind="minimum_wage")
    with translation.override("en"):
        assert str(statement(run, "c2").shown_warnings[0]) == (
            "Minimum wage: no minimum wage is set for the store this month; the pay was not compared with one")
    submitted = workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    assert submitted.status == Run.Status.SUBMITTED
