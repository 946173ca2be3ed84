"""Set-based or it fails: the queries of a bonus run and of the month-end pages do not grow with people."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealerkpi.org.models import Role, TeamMembership
from dealerkpi.pay import runs
from dealerkpi.pay.models import Run
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, publish_version
from tests.test_runs import PLAN
from tests.world import HIRED, PASSWORD, World, build_world

pytestmark = pytest.mark.django_db
OCTOBER = Period(2026, 10)


@pytest.fixture
def world() -> World:
    world = build_world()
    plan = Plan.objects.create(group=world.stores["S1"].region.group, code="c", name="顾问", role="consultant")
    publish_version(plan, PLAN, datetime.date(2026, 1, 1))
    return world


def hire_consultants(world: World, count: int) -> None:
    """More consultants in team T1, each with a full deal chain of their own."""
    from tests.world import _deal_chain, _staff

    group = world.stores["S1"].region.group
    for n in range(count):
        key = f"extra{n}"
        staff = _staff(world, key, Role.CONSULTANT, group, world.stores["S1"])
        TeamMembership.objects.create(staff=staff, team=world.teams["T1"], valid_from=HIRED)
        _deal_chain(world, key)


def queries_of_a_run(world: World) -> tuple[int, Run]:
    run = runs.new_run(world.stores["S1"], OCTOBER)
    with CaptureQueriesContext(connection) as captured:
        runs.compute(run)
    return len(captured), run


def test_a_bonus_run_makes_as_many_queries_for_three_people_as_for_nine(world: World) -> None:
    queries_of_a_run(world)  # a version before: each run measured supersedes one, in an audited update
    few, first = queries_of_a_run(world)
    hire_consultants(world, 6)
    many, second = queries_of_a_run(world)
    assert (first.statements.count(), second.statements.count()) == (3, 9)
    assert many == few, f"{few} queries for 3 people, {many} for 9"


@pytest.mark.parametrize("page", ["run-detail", "run-inputs"])
def test_run_pages_make_as_many_queries_for_three_people_as_for_nine(world: World, client, page: str) -> None:
    counts = []
    for extra in (0, 6):
        hire_consultants(world, extra)
        queries_of_a_run(world)
        _queries, run = queries_of_a_run(world)  # a second version: both pages compare with a previous one
        client.login(username="m1", password=PASSWORD)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(page, args=[run.pk])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_a_statement_page_does_not_grow_with_its_lines(world: World, client) -> None:
    _queries, run = queries_of_a_run(world)
    client.login(username="m1", password=PASSWORD)
    counts = {}
    for statement in run.statements.all():
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("statement-detail", args=[statement.pk]))
        counts[statement.lines.count()] = len(captured)
    assert len(set(counts.values())) == 1, counts
