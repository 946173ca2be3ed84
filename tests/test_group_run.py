"""A group's month-end: many stores computed together give each store exactly what it gets computed alone,
including for a person with records in two stores of the batch, and read the records once per batch."""

from __future__ import annotations

import datetime
import gc
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealerkpi import metrics
from dealerkpi.core.audit import acting_as
from dealerkpi.core.models import AuditEntry
from dealerkpi.demo_data.generate import Generator
from dealerkpi.demo_data.pay import seed_pay
from dealerkpi.demo_data.scales import SCALES
from dealerkpi.org.models import Role, Store, Team
from dealerkpi.pay import runs
from dealerkpi.pay.models import Run, Statement
from dealerkpi.people.models import AttendanceRecord, TrainingRecord
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan
from dealerkpi.sales.models import OrderCredit
from tests.metrics_world import MetricsWorld, at, build_metrics_world, day

pytestmark = pytest.mark.django_db
OCTOBER = Period(2025, 10)
EVERYTHING = metrics.all_names(["M1", "M2"])
READ_TABLES = ("crm_followup", "crm_lead", "crm_showroomvisit", "sales_ordercredit", "people_attendancerecord",
               "plans_planversion", "org_roleassignment", "targets_target", "pay_manualrating", "pay_adjustment",
               "catalog_lifecyclestage", "people_probation")


def lend_bob_to_the_other_store(w: MetricsWorld) -> None:
    """bob (store S) also has records in store X: half of a deal, a day's attendance, a training he gave; X has a
    team of its own whose leader is xia."""
    w.teams["XA"] = Team.objects.create(store=w.other, name="XA")
    w.member("xia", "XA", leader=True)
    w.order("X2", {"xia": 50, "bob": 50}, "M2", 90000, at(10, 4))
    OrderCredit.objects.filter(order=w.orders["X2"]).update(store=w.other)
    w.deliver("X2", 85000, at(10, 11))
    AttendanceRecord.objects.create(store=w.other, staff=w.staff["bob"], day=day(10, 6), status="present")
    TrainingRecord.objects.create(store=w.other, staff=w.staff["xia"], course="展厅", held_on=day(10, 8),
                                  hours=Decimal("2"), passed=True, trainer=w.staff["bob"])


@pytest.fixture
def lent() -> MetricsWorld:
    world = build_metrics_world()
    lend_bob_to_the_other_store(world)
    return world


@pytest.mark.parametrize("crediting", ["delivered", "paid"])
def test_each_store_of_a_batch_gets_what_it_gets_alone(lent: MetricsWorld, crediting: str) -> None:
    stores = [lent.store.pk, lent.other.pk]
    together = metrics.compute_by_store(EVERYTHING, stores, OCTOBER, crediting, as_of=day(10, 28))
    for store_id in stores:
        alone = metrics.compute(EVERYTHING, [store_id], OCTOBER, crediting, as_of=day(10, 28))
        assert together[store_id].rows == alone.rows, store_id
        assert together[store_id].people == alone.people, store_id
    assert metrics.deals_by_store(stores, OCTOBER, crediting) == {
        store_id: metrics.deals([store_id], OCTOBER, crediting) for store_id in stores
    }


def test_the_split_matters_a_lent_person_is_counted_in_each_store_for_its_own_records(lent: MetricsWorld) -> None:
    bob, stores = lent.id("bob"), [lent.store.pk, lent.other.pk]
    split = metrics.compute_by_store(["units_delivered", "attendance_rate", "people_developed"], stores, OCTOBER)
    # In S: half of D1 and D2 = 1.5; in X: half of X2. Both stores' records taken together: 2.
    assert split[lent.store.pk].value(bob, "units_delivered") == Decimal("1.5")
    assert split[lent.other.pk].value(bob, "units_delivered") == Decimal("0.5")
    assert split[lent.other.pk].value(bob, "attendance_rate") == 100
    assert split[lent.store.pk].value(bob, "attendance_rate") is None, "no attendance recorded in S"
    assert split[lent.other.pk].value(bob, "people_developed") == 1
    assert split[lent.store.pk].value(bob, "people_developed") == 0
    assert metrics.compute(["units_delivered"], stores, OCTOBER).value(bob, "units_delivered") == 2


def test_team_attrition_of_a_leader_counts_only_the_teams_of_the_store(lent: MetricsWorld) -> None:
    stores = [lent.store.pk, lent.other.pk]
    split = metrics.compute_by_store(["team_attrition_rate"], stores, OCTOBER)
    for store_id in stores:
        assert split[store_id].rows == metrics.compute(["team_attrition_rate"], [store_id], OCTOBER).rows
    assert split[lent.other.pk].value(lent.id("sup"), "team_attrition_rate") is None, "sup leads a team of S"


# --- runs -----------------------------------------------------------------------------------------------------


def statement_figures(run: Run) -> dict[int, tuple]:
    """Everything a statement says, by person: total, score, each line's rule and amount, each indicator."""
    found = {}
    for statement in Statement.objects.filter(run=run).prefetch_related("lines", "indicators"):
        found[statement.staff_id] = (
            statement.total, statement.total_score, statement.coefficient, statement.error,
            [(line.rule, line.category, line.amount, line.deals) for line in statement.lines.all()],
            [(i.code, i.actual, i.target, i.score) for i in statement.indicators.all()],
        )
    return found


@pytest.fixture
def generated() -> list[Store]:
    """Three generated stores (June 2025) with the example plans and targets; store 3 has
    a consultant plan of its own that credits deals once paid."""
    until = datetime.date(2025, 6, 30)
    Generator(seed=5, scale=SCALES["S"].override(stores=3, months=1), until=until).run()
    seed_pay(datetime.date(2025, 6, 1), until, seed=5)
    stores = list(Store.objects.select_related("region__group").order_by("code"))
    group_plan = Plan.objects.get(role=Role.CONSULTANT, store__isnull=True, for_probation=False)
    own = Plan.objects.create(group=group_plan.group, store=stores[2], code="own", name="本店顾问",
                              role=Role.CONSULTANT, crediting="paid")
    from dealerkpi.plans.models import publish_version

    publish_version(own, group_plan.versions.get().document, datetime.date(2025, 1, 1))
    return stores


def test_a_group_run_gives_every_store_the_statements_it_gets_alone(generated: list[Store]) -> None:
    june = Period(2025, 6)
    alone = {store.pk: statement_figures(runs.compute(runs.new_run(store, june))) for store in generated}
    together = list(runs.compute_stores(generated, june, batch=2))
    assert [run.store_id for run in together] == [store.pk for store in generated]
    for run in together:
        assert run.status == Run.Status.DRAFT, run.error
        assert run.number == 2, "a new version of each store's run"
        assert statement_figures(run) == alone[run.store_id], run.store.code
    assert sum(len(figures) for figures in alone.values()) > 60, "the example plans cover every consultant"


def reading_queries(stores: list[Store]) -> int:
    with CaptureQueriesContext(connection) as captured:
        done = list(runs.compute_stores(stores, Period(2025, 6)))
    assert all(run.status == Run.Status.DRAFT for run in done)
    return sum(1 for query in captured if any(f'"{table}"' in query["sql"] for table in READ_TABLES))


def test_a_group_run_reads_plans_people_targets_and_records_once_per_batch(generated: list[Store]) -> None:
    assert reading_queries(generated[:1]) == reading_queries(generated[:2]) > 0, "two stores under the same plans"


def test_a_batch_reads_its_deals_once_for_the_deal_figures_and_the_engines_deals(generated: list[Store]) -> None:
    with CaptureQueriesContext(connection) as captured:
        done = list(runs.compute_stores(generated, Period(2025, 6), batch=3))
    assert [run.status for run in done] == [Run.Status.DRAFT] * 3
    deal_reads = [query for query in captured
                  if 'FROM "sales_ordercredit"' in query["sql"] and 'AS "model_code"' in query["sql"]]
    # once a computation: stores 1 and 2 alike; store 3 credits its consultants' deals once paid, its other
    # people's when delivered, for other metrics than stores 1 and 2
    assert len(deal_reads) == 3, [query["sql"][:300] for query in deal_reads]


def test_a_batch_that_cannot_be_read_leaves_each_store_to_fail_alone_and_the_others_intact(
        generated: list[Store]) -> None:
    june = Period(2025, 6)
    good = {store.pk: runs.compute(runs.new_run(store, june)) for store in generated}
    # A version is never edited through the model; a damaged row is what makes reading the batch's plans fail.
    Plan.objects.get(store=generated[2]).versions.update(document="plan: [unterminated")
    done = {run.store_id: run for run in runs.compute_stores(generated, june)}
    assert done[generated[2].pk].status == Run.Status.FAILED and done[generated[2].pk].error
    for store in generated[:2]:
        assert done[store.pk].status == Run.Status.DRAFT, done[store.pk].error
        assert statement_figures(done[store.pk]) == statement_figures(good[store.pk])
    assert Statement.objects.filter(run=good[generated[2].pk]).exists(), "the last good version is intact"



@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was_found(generated: list[Store], enabled: bool) -> None:
    """Paused while a batch computes (its objects are freed by their reference counts), then as it was."""
    (gc.enable if enabled else gc.disable)()
    try:
        done = list(runs.compute_stores(generated, Period(2025, 6), batch=2))
        assert gc.isenabled() is enabled
        assert [run.status for run in done] == [Run.Status.DRAFT] * 3
    finally:
        gc.enable()


def run_writes(stores: list[Store], batch: int) -> tuple[int, int]:
    """How many statements make computed runs drafts, and how many keep the figures the runs read."""
    with CaptureQueriesContext(connection) as captured:
        done = list(runs.compute_stores(stores, Period(2025, 6), batch=batch))
    assert all(run.status == Run.Status.DRAFT for run in done)
    sql = [query["sql"] for query in captured]
    drafts = sum(1 for text in sql if text.startswith('UPDATE "pay_run" SET "status"') and '"computed_at"' in text)
    figures = sum(1 for text in sql if 'INSERT INTO "pay_periodfigures"' in text)  # executemany: "n times: ..."
    return drafts, figures


def test_a_batch_of_stores_is_written_together(generated: list[Store]) -> None:
    assert run_writes(generated, batch=3) == (1, 1), "one transaction for the batch: its runs and figures at once"
    assert run_writes(generated, batch=1) == (3, 3)


def test_a_batch_numbers_each_stores_new_version_after_its_latest_and_audits_it(generated: list[Store]) -> None:
    june = Period(2025, 6)
    runs.new_run(generated[1], june)
    runs.new_run(generated[1], june)
    with acting_as(None, "cli:month-end"):
        made = runs.new_runs(generated, june)
    assert [(run.store_id, run.number, run.status) for run in made] == [
        (generated[0].pk, 1, Run.Status.QUEUED), (generated[1].pk, 3, Run.Status.QUEUED),
        (generated[2].pk, 1, Run.Status.QUEUED)]
    assert made[1].previous.number == 2 and made[0].previous is None
    created = AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, content_type__model="run",
                                        object_id__in=[str(run.pk) for run in made])
    assert sorted((entry.after["number"], entry.actor_name) for entry in created) == [
        (1, "cli:month-end"), (1, "cli:month-end"), (3, "cli:month-end")]


def test_a_batch_that_cannot_be_written_together_is_written_store_by_store(generated: list[Store]) -> None:
    """A run given up while its batch computed is left failed, unwritten; when the batch's one transaction fails
    (here: a store's statements twice), nothing of it stays and each store is written on its own."""
    june = Period(2025, 6)
    alone = {store.pk: statement_figures(runs.compute(runs.new_run(store, june))) for store in generated}
    read = runs.read_store_months(generated, june)
    queued = runs.new_runs(generated, june)
    evaluations = [runs._evaluate(run, read[run.store_id], runs._progress_kept(run)) for run in runs._claim(queued)]
    given_up = evaluations[1].run
    Run.objects.filter(pk=given_up.pk).update(status=Run.Status.FAILED, error=Run.STALLED)
    runs._write_together([*evaluations, evaluations[2]])
    for evaluation in (evaluations[0], evaluations[2]):
        run = evaluation.run
        assert (run.status, Run.objects.get(pk=run.pk).status) == (Run.Status.DRAFT, Run.Status.DRAFT)
        assert statement_figures(run) == alone[run.store_id], "written once, as computed alone"
    assert (given_up.status, given_up.error) == (Run.Status.FAILED, Run.STALLED)
    assert not Statement.objects.filter(run=given_up).exists()
    previous = Run.objects.get(store=given_up.store, period=june.first_day, number=1)
    assert previous.status == Run.Status.DRAFT, "the given-up run superseded nothing"

@pytest.mark.django_db(transaction=True)  # worker processes see only what is committed
def test_worker_processes_give_each_store_the_runs_one_process_gives(generated: list[Store]) -> None:
    june = Period(2025, 6)
    alone = {store.pk: statement_figures(runs.compute(runs.new_run(store, june))) for store in generated}
    done = list(runs.compute_stores_in_workers(generated, june, workers=2, batch=1))
    assert [run.store_id for run in done] == [store.pk for store in generated], "in the stores' order"
    for run in done:
        assert (run.status, run.number) == (Run.Status.DRAFT, 2), run.error
        assert statement_figures(run) == alone[run.store_id], run.store.code


def connections_to_this_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)  # the reading thread's connection sees only what is committed
def test_the_next_batches_are_read_on_other_connections_while_this_one_computes(
        generated: list[Store], monkeypatch: pytest.MonkeyPatch) -> None:
    june = Period(2025, 6)
    alone = {store.pk: statement_figures(runs.compute(runs.new_run(store, june))) for store in generated}
    read_by: list[str] = []
    reading = runs.read_store_months

    def read_recorded(stores: list[Store], period: Period) -> dict:
        read_by.append(threading.current_thread().name)
        return reading(stores, period)

    monkeypatch.setattr(runs, "read_store_months", read_recorded)
    postgres = connection.vendor == "postgresql"
    before = connections_to_this_database() if postgres else 0
    done = list(runs.compute_stores(generated, june, batch=1))
    for run in done:
        assert (run.status, run.number) == (Run.Status.DRAFT, 2), run.error
        assert statement_figures(run) == alone[run.store_id], run.store.code
    if postgres:
        assert len(read_by) == 3 and set(read_by) <= {"run-reader_0", "run-reader_1"}, read_by
        assert connections_to_this_database() == before, "the reading threads' connections are closed"
    else:  # SQLite: one connection, in turn
        assert read_by == ["MainThread"] * 3
