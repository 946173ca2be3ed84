"""The demo's bonus runs as someone trying `dealerkpi demo` on 2026-12-06 sees them: the demo group generated up to
that day (scale S, the demo's seed), October 2026 computed for every store through pay.runs.

What is asserted is what a dealer would expect of a month's pay, and what the approver would otherwise be warned
about: no statement carries a warning (no rate over an empty base, no missing target), and pay is spread as in a
4S store: most consultants between 5,000 and 15,000 CNY, each supervisor above most of their team, the sales manager
above every supervisor. The totals are read as they stand, so a line added to every statement (the minimum wage
top-up) changes nothing here unless it changes the order of who earns more.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from dealerkpi.demo_data.management.commands.demo import DEMO_SEED
from dealerkpi.org.models import Store
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement
from dealerkpi.plans.engine import Period

TODAY = datetime.date(2026, 12, 6)
OCTOBER = Period(2026, 10)
PAY_RANGE = (Decimal(5000), Decimal(15000))

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def october(django_db_setup, django_db_blocker) -> Iterator[dict[int, list[Statement]]]:
    """Each store's statements of October 2026, from the demo generated up to TODAY."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("generate", scale="S", seed=DEMO_SEED, until=TODAY, stdout=StringIO())
        found = {}
        for store in Store.objects.order_by("code"):
            run = runs.compute(runs.new_run(store, OCTOBER))
            assert not run.error, run.error
            found[store.pk] = list(Statement.objects.filter(run=run).select_related("plan_version__plan", "staff"))
        yield found
        transaction.set_rollback(True)


def pay(found: list[Statement], plan: str) -> list[Statement]:
    return [statement for statement in found if statement.plan_version.plan.code == plan]


def test_no_statement_of_october_has_a_warning(october: dict[int, list[Statement]]) -> None:
    everyone = [statement for found in october.values() for statement in found]
    assert {statement.plan_version.plan.code for statement in everyone} == {
        "consultant", "consultant_probation", "supervisor", "sales_manager"}  # newcomers hired in the summer
    warned = [(s.staff.name, s.plan_version.plan.code, w["kind"], w["figure"]) for s in everyone for w in s.warnings]
    assert not warned


def test_most_consultants_earn_5000_to_15000(october: dict[int, list[Statement]]) -> None:
    """The rule: the median consultant within the range, three in five within it, fewer than one in five under it
    (those the plan's 60% volume gate leaves without commission). A consultant is paid about 1,000 CNY a car on
    top of the base, so the range is about 4 to 10 cars, and a month's cars vary by a few either way by chance:
    the rest are the month's top sellers."""
    totals = [s.total for found in october.values() for s in pay(found, "consultant")]
    assert len(totals) >= 30
    within = sum(PAY_RANGE[0] <= total <= PAY_RANGE[1] for total in totals)
    assert PAY_RANGE[0] <= statistics.median(totals) <= PAY_RANGE[1]
    assert within >= len(totals) * 3 / 5
    assert sum(total < PAY_RANGE[0] for total in totals) < len(totals) / 5


def test_selling_more_pays(october: dict[int, list[Statement]]) -> None:
    """The half who delivered more cars earn a third more than the other half, at least (they sell about half as
    many cars again; their targets are higher too, as their record is)."""
    consultants = sorted((s for found in october.values() for s in pay(found, "consultant")),
                         key=lambda s: Decimal(s.month_metrics.get("units_delivered", "0")))
    half = len(consultants) // 2
    assert sum(s.total for s in consultants[half:]) > Decimal("1.33") * sum(s.total for s in consultants[:half])


def test_each_supervisor_earns_more_than_most_of_their_team(october: dict[int, list[Statement]]) -> None:
    for found in october.values():
        consultants = pay(found, "consultant")
        supervisors = pay(found, "supervisor")
        assert supervisors
        for supervisor in supervisors:
            team = [s.total for s in consultants if s.team_id == supervisor.team_id]
            assert sum(supervisor.total > total for total in team) > len(team) / 2, (supervisor.total, team)


def test_each_sales_manager_earns_more_than_every_supervisor_of_the_store(
        october: dict[int, list[Statement]]) -> None:
    for found in october.values():
        supervisors = [s.total for s in pay(found, "supervisor")]
        (manager,) = pay(found, "sales_manager")
        assert all(manager.total > total for total in supervisors), (manager.total, supervisors)
