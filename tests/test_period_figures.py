"""A run keeps the figures it read for the store's month (pay.PeriodFigures); what-ifs read them back instead of
computing the month again from its records. A late record changes them only when the month is run again."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.pay import runs
from dealerkpi.pay.inputs import metrics_wanted, read_store_month
from dealerkpi.pay.models import PeriodFigures, Run
from dealerkpi.pay.period_figures import figures_by_store
from dealerkpi.plans.engine import Period
from dealerkpi.studio.replay import replay
from tests.world import World, delivered_deal, world_with_consultant_plan

pytestmark = pytest.mark.django_db
OCTOBER = Period(2026, 10)
PLAN = """
plan: test_consultant
name: 测试顾问方案
role: consultant
version: "t1"
period: month
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume:
    label: 销量
    metric: units_delivered
    target: 2
    scoring: {kind: linear, cap: 120}
  leads:
    label: 新开客户
    metric: new_leads
    target: 2
    scoring: {kind: linear, cap: 120}
weights:
  default: {volume: 80, leads: 20}
base_pay:
  - {amount: 1200}
pay:
  unit_award:
    label: 单车奖
    kind: per_unit
    amount: 300
"""
RECORD_TABLES = ("sales_delivery", "sales_ordercredit", "crm_lead")  # what the metrics of this plan read


@pytest.fixture
def world() -> World:
    return world_with_consultant_plan(PLAN)


def run_october(world: World) -> Run:
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    assert run.status == Run.Status.DRAFT, run.error
    return run


def wanted(world: World) -> tuple[str, ...]:
    return metrics_wanted(read_store_month(world.stores["S1"], OCTOBER).plans, "delivered")


def reads_records(queries: CaptureQueriesContext) -> bool:
    return any(table in query["sql"] for query in queries.captured_queries for table in RECORD_TABLES)


def test_a_run_keeps_the_figures_it_read_and_they_read_back_equal(world: World) -> None:
    run_october(world)
    kept = PeriodFigures.objects.get()
    names = wanted(world)
    assert (kept.store_id, kept.period, kept.crediting, kept.metrics) == (
        world.stores["S1"].pk, OCTOBER.first_day, "delivered", sorted(names))
    computed = metrics.period_inputs_by_store([world.stores["S1"].pk], OCTOBER, "delivered", names)
    with CaptureQueriesContext(connection) as queries:
        read = figures_by_store([world.stores["S1"].pk], OCTOBER, "delivered", names)
    assert read == computed  # the engine's actuals and deals, every Decimal as it was
    assert len(queries) == 1 and not reads_records(queries)
    units = {row.person: row.metrics["units_delivered"] for row in read[world.stores["S1"].pk][0]}
    assert units[str(world.staff["c1"].pk)] == Decimal("0.5")


def test_a_month_not_kept_is_computed_once_and_kept(world: World) -> None:
    stores = [world.stores["S1"].pk, world.stores["S2"].pk]
    with CaptureQueriesContext(connection) as first:
        computed = figures_by_store(stores, OCTOBER, "delivered", ["units_delivered"])
    assert reads_records(first)
    assert PeriodFigures.objects.count() == 2
    with CaptureQueriesContext(connection) as second:
        assert figures_by_store(stores, OCTOBER, "delivered", ["units_delivered"]) == computed
    assert len(second) == 1 and not reads_records(second)


def test_a_metric_not_kept_is_computed_with_those_kept_and_fewer_are_read_from_more(world: World) -> None:
    store = [world.stores["S1"].pk]
    figures_by_store(store, OCTOBER, "delivered", ["units_delivered"])
    both = figures_by_store(store, OCTOBER, "delivered", ["units_delivered", "new_leads"])
    assert PeriodFigures.objects.get().metrics == ["new_leads", "units_delivered"]
    assert both == metrics.period_inputs_by_store(store, OCTOBER, "delivered", ["new_leads", "units_delivered"])
    with CaptureQueriesContext(connection) as queries:
        units = figures_by_store(store, OCTOBER, "delivered", ["units_delivered"])
    assert not reads_records(queries)
    assert units == metrics.period_inputs_by_store(store, OCTOBER, "delivered", ["units_delivered"])


def test_a_late_record_changes_the_kept_figures_when_the_month_is_run_again(world: World) -> None:
    run_october(world)
    names, store = wanted(world), [world.stores["S1"].pk]
    delivered_deal(world, "c3", timezone.make_aware(datetime.datetime(2026, 10, 20, 10)))
    before = figures_by_store(store, OCTOBER, "delivered", names)
    assert len(before[store[0]][1]) == 3, "kept: what the run read, not the late delivery"
    run_october(world)
    after = figures_by_store(store, OCTOBER, "delivered", names)
    assert len(after[store[0]][1]) == 4
    assert after == metrics.period_inputs_by_store(store, OCTOBER, "delivered", names)
    assert PeriodFigures.objects.count() == 1


def test_a_replay_reads_the_kept_figures_not_the_records(world: World, django_assert_max_num_queries) -> None:
    """The months a run kept are replayed without reading their records; without them, the records are read (and
    the figures kept for the next time)."""
    run_october(world)
    plan = world.stores["S1"].region.group.plans.get()
    draft = plan.versions.get().engine_plan()
    stores = [world.stores["S1"]]
    with CaptureQueriesContext(connection) as kept:
        replay(plan, draft, stores, [OCTOBER])
    assert not reads_records(kept)
    PeriodFigures.objects.all().delete()
    with CaptureQueriesContext(connection) as computed:
        replay(plan, draft, stores, [OCTOBER])
    assert reads_records(computed)
    assert len(kept) < len(computed)
    with django_assert_max_num_queries(len(kept)):
        replay(plan, draft, stores, [OCTOBER])
