"""A statement's scores and figures are written rounded half-up to their columns' four places, so a tie reads back
the same from SQLite (whose Django backend would round it to even) as from PostgreSQL (which rounds it away from
zero)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerkpi.core.money import half_up
from dealerkpi.pay import runs
from dealerkpi.pay.models import Statement
from dealerkpi.plans.engine import Period
from tests.world import World, world_with_consultant_plan

pytestmark = pytest.mark.django_db

# One car against a target of 128 is 0.78125%: a tie at the fifth place, 0.7813 half-up and 0.7812 half-even.
PLAN = """
plan: test_ties
name: 测试舍入
role: consultant
version: "t1"
period: month
indicators:
  volume:
    label: 销量
    metric: units_delivered
    target: 128
    scoring: {kind: linear, cap: 120}
weights:
  default: {volume: 100}
base_pay:
  - {amount: 1200}
"""
TIE = Decimal("0.7813")


@pytest.fixture
def world() -> World:
    return world_with_consultant_plan(PLAN)


def test_half_up_rounds_a_tie_away_from_zero() -> None:
    assert half_up(Decimal("12.34565"), 4) == Decimal("12.3457")
    assert half_up(Decimal("-12.34565"), 4) == Decimal("-12.3457")
    assert half_up(Decimal("0.78124999"), 4) == Decimal("0.7812")
    assert half_up(Decimal("3"), 2) == Decimal("3.00")


def test_a_tie_is_written_half_up_on_every_database(world: World) -> None:
    run = runs.compute(runs.new_run(world.stores["S1"], Period(2026, 10)))
    assert not run.error, run.error
    statement = Statement.objects.get(run=run, staff=world.staff["c3"])  # c3 delivered one car in October
    volume = statement.indicators.get(code="volume")
    assert (volume.actual, volume.target) == (Decimal(1), Decimal(128))
    assert (volume.achievement, volume.score, volume.weighted_score, statement.total_score) == (TIE, TIE, TIE, TIE)
