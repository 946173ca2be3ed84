"""A lighter plan during probation, through the plan engine: a plan for people on probation (`for: probation` in its
document, `Plan.for_probation`) pays those of its role on probation for at least half the days of the month they
worked in the store; everyone else is paid by the role's plan. A store's run and a group's month-end choose alike,
reading all the stores' probations in one query, and the statement says why."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dealerkpi.org.models import Staff
from dealerkpi.pay import runs
from dealerkpi.pay.inputs import members_by_store, probations_by_store
from dealerkpi.pay.models import Run, Statement
from dealerkpi.people.models import Probation
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, parse_plan_document, publish_version
from dealerkpi.studio.replay import replay
from tests.test_exports import pdf_text
from tests.world import World, build_world, signed_in

pytestmark = pytest.mark.django_db
OCTOBER = Period(2026, 10)
PLAN = """
plan: consultant
name: 顾问方案
role: consultant
version: "1"
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume: {label: 销量, metric: units_delivered, target: 2, scoring: {kind: linear, cap: 120}}
weights:
  default: {volume: 100}
pay:
  unit_award: {label: 单车奖, kind: per_unit, amount: 300}
"""
LIGHTER = PLAN.replace("plan: consultant", "plan: consultant_probation\nfor: probation").replace(
    "name: 顾问方案", "name: 试用期顾问方案").replace("amount: 300", "amount: 500")


def publish(world: World, code: str, document: str, for_probation: bool = False) -> Plan:
    plan = Plan.objects.create(group=world.stores["S1"].region.group, code=code, name=code, role="consultant",
                               for_probation=for_probation)
    publish_version(plan, document, datetime.date(2026, 1, 1))
    return plan


def on_probation(world: World, name: str, starts_on: str, ends_on: str, **decided: object) -> Probation:
    return Probation.objects.create(store=world.staff[name].store, staff=world.staff[name],
                                    starts_on=datetime.date.fromisoformat(starts_on),
                                    ends_on=datetime.date.fromisoformat(ends_on), **decided)


@pytest.fixture
def world() -> World:
    """S1's consultants (tests/world.py): c1 credited half a car in October 2026, c2 one and a half, c3 one.
    October has 31 days, all worked: 16 days on probation are at least half (32 >= 31), 15 are not (30 < 31).
    c1's probation ends on 15 October, c3's on 16 October; c2 has none."""
    world = build_world()
    publish(world, "consultant", PLAN)
    publish(world, "consultant_probation", LIGHTER, for_probation=True)
    on_probation(world, "c1", "2026-07-16", "2026-10-15")
    on_probation(world, "c3", "2026-07-17", "2026-10-16")
    return world


def totals(run: Run) -> dict[str, tuple[Decimal, str, datetime.date | None]]:
    return {s.staff.name: (s.total, s.plan_version.plan.code, s.probation_until)
            for s in Statement.objects.filter(run=run).select_related("staff", "plan_version__plan")}


EXPECTED = {
    "c1": (Decimal("150.00"), "consultant", None),  # 15 days of 31 on probation: the role's plan, 0.5 x 300
    "c2": (Decimal("450.00"), "consultant", None),  # no probation: 1.5 x 300
    "c3": (Decimal("500.00"), "consultant_probation", datetime.date(2026, 10, 16)),  # 16 of 31 days: 1 x 500
}


def test_a_store_run_pays_the_consultant_on_probation_by_the_lighter_plan_and_the_others_by_the_role_plan(
    world: World,
) -> None:
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    assert run.status == Run.Status.DRAFT, run.error
    assert totals(run) == EXPECTED


def test_a_group_month_end_chooses_the_same_plans(world: World) -> None:
    stores = [world.stores["S1"], world.stores["S2"], world.stores["S3"]]
    computed = {run.store_id: run for run in runs.compute_stores(stores, OCTOBER, batch=3)}
    assert totals(computed[world.stores["S1"].pk]) == EXPECTED
    # c4 in S2 has no probation: paid by the role's plan, one car x 300.
    assert totals(computed[world.stores["S2"].pk])["c4"] == (Decimal("300.00"), "consultant", None)


def test_without_a_plan_for_probation_everyone_is_paid_by_the_role_plan(world: World) -> None:
    Plan.objects.filter(code="consultant_probation").update(role="supervisor")  # no longer a consultants' plan
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    assert totals(run)["c3"] == (Decimal("300.00"), "consultant", None)  # 1 x 300


def test_a_probation_decided_early_ends_on_the_decision_day_and_all_probations_are_read_in_one_query(
    world: World, django_assert_num_queries,
) -> None:
    Probation.objects.filter(staff=world.staff["c3"]).update(
        ends_on=datetime.date(2026, 10, 31), status=Probation.Status.CONFIRMED, decided_on=datetime.date(2026, 10, 5))
    on_probation(world, "c2", "2026-06-01", "2026-09-30", status=Probation.Status.ENDED,
                 decided_on=datetime.date(2026, 9, 1))  # over before October: not read
    on_probation(world, "c4", "2026-10-01", "2026-12-31")  # S2: its store's
    store_ids = [world.stores["S1"].pk, world.stores["S2"].pk]
    with django_assert_num_queries(1):
        found = probations_by_store(store_ids, OCTOBER)
    c1, c3, c4 = (world.staff[name].pk for name in ("c1", "c3", "c4"))
    assert {key: (until, len(days)) for key, (until, days) in found.items()} == {
        (store_ids[0], c1): (datetime.date(2026, 10, 15), 15),
        (store_ids[0], c3): (datetime.date(2026, 10, 5), 5),  # confirmed on the 5th: 5 days
        (store_ids[1], c4): (datetime.date(2026, 12, 31), 31),
    }
    members = {m.name: m for m in members_by_store(store_ids, OCTOBER)[store_ids[0]]}
    assert members["c3"].probation_until is None  # 5 of 31 days


def test_a_newcomer_hired_mid_month_on_probation_is_on_it_for_all_the_days_worked(world: World) -> None:
    c2 = world.staff["c2"]
    Staff.objects.filter(pk=c2.pk).update(leave_date=datetime.date(2026, 10, 10))
    on_probation(world, "c2", "2026-09-01", "2026-11-30")
    members = {m.name: m for m in members_by_store([world.stores["S1"].pk], OCTOBER)[world.stores["S1"].pk]}
    assert (members["c2"].days_employed, members["c2"].probation_until) == (10, datetime.date(2026, 11, 30))


def test_the_document_and_the_plan_agree_on_whom_the_plan_is_for(world: World) -> None:
    normal = Plan.objects.get(code="consultant")
    with pytest.raises(ValidationError, match="probation"):
        publish_version(normal, LIGHTER, datetime.date(2026, 2, 1))
    lighter = Plan.objects.get(code="consultant_probation")
    with pytest.raises(ValidationError, match="probation"):
        publish_version(lighter, PLAN, datetime.date(2026, 2, 1))


def test_the_statement_says_which_plan_applied_and_why(world: World) -> None:
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    statement = Statement.objects.get(run=run, staff=world.staff["c3"])
    page = signed_in("m1").get(reverse("statement-detail", args=[statement.pk])).content.decode()
    assert "consultant_probation" in page and "on probation until 2026-10-16" in page
    pdf = signed_in("m1").get(reverse("statement-pdf", args=[statement.pk]))
    assert "(on probation until 2026-10-16)" in " ".join(pdf_text(pdf.content).split())  # the PDF's cell wraps
    other = Statement.objects.get(run=run, staff=world.staff["c1"])
    page = signed_in("m1").get(reverse("statement-detail", args=[other.pk])).content.decode()
    assert "on probation until" not in page


def test_the_plan_pages_and_the_studio_mark_the_plan_for_people_on_probation(world: World) -> None:
    lighter, normal = Plan.objects.get(code="consultant_probation"), Plan.objects.get(code="consultant")
    client, marked = signed_in("m1"), 'data-testid="plan-for-probation"'
    assert marked in client.get(reverse("plan-detail", args=[lighter.pk])).content.decode()
    assert marked not in client.get(reverse("plan-detail", args=[normal.pk])).content.decode()
    assert client.get(reverse("plan-list")).content.decode().count(marked) == 1
    assert signed_in("ho_group").get(reverse("draft-list")).content.decode().count(marked) == 1


def test_the_studio_replays_a_roles_plan_without_those_on_probation_and_the_plan_for_them_with_them_only(
    world: World,
) -> None:
    """No final run in October: "old" is the version in force evaluated on the same inputs."""
    normal, lighter = Plan.objects.get(code="consultant"), Plan.objects.get(code="consultant_probation")
    store = [world.stores["S1"]]
    role = {person.name: (person.old.total, person.new.total)
            for person in replay(normal, parse_plan_document(PLAN.replace("amount: 300", "amount: 400")), store,
                                 [OCTOBER])}
    assert role == {"c1": (Decimal("150"), Decimal("200")), "c2": (Decimal("450"), Decimal("600"))}  # 0.5, 1.5 cars
    newcomers = {person.name: (person.old.total, person.new.total)
                 for person in replay(lighter, parse_plan_document(LIGHTER.replace("amount: 500", "amount: 600")),
                                      store, [OCTOBER])}
    assert newcomers == {"c3": (Decimal("500"), Decimal("600"))}  # one car
