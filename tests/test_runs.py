"""Bonus runs end to end on the hand-built world: compute, adjust, submit, approve, lock, recompute,
fail safely, claw back; every expected figure worked out by hand from the plan below."""

from __future__ import annotations

import datetime
import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rich.console import Console

from dealerkpi import metrics
from dealerkpi.core.models import AuditEntry
from dealerkpi.org.models import Store
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import inputs as run_inputs
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.management.commands.run import Command as RunCommand
from dealerkpi.pay.models import Adjustment, ManualRating, Run, Statement, StatementLine, StatementQuery
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, publish_version
from dealerkpi.sales.models import OrderCredit, Reversal
from tests.world import PASSWORD, World, delivered_deal, world_with_consultant_plan

pytestmark = pytest.mark.django_db
fill_from_indicators = importlib.import_module(
    "dealerkpi.pay.migrations.0003_statement_month_metrics").fill_from_indicators  # a module name Python can't import
OCTOBER, NOVEMBER = Period(2026, 10), Period(2026, 11)
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
  showroom:
    label: 展厅接待
    scoring: {kind: manual, max: 10}
weights:
  default: {volume: 80, showroom: 20}
base_pay:
  - {amount: 1200}
pay:
  unit_award:
    label: 单车奖
    kind: per_unit
    amount: 300
"""
# c1 is credited 50% of the deal shared with c2; c2 has that half plus a deal of their own; c3 one deal.
UNITS = {"c1": Decimal("0.5"), "c2": Decimal("1.5"), "c3": Decimal("1")}
EXPECTED_TOTALS = {name: Decimal("1200") + 300 * units for name, units in UNITS.items()}


@pytest.fixture
def world() -> World:
    return world_with_consultant_plan(PLAN)


def compute(world: World, period: Period = OCTOBER) -> Run:
    return runs.compute(runs.new_run(world.stores["S1"], period))


def totals(run: Run) -> dict[str, Decimal]:
    return dict(Statement.objects.filter(run=run).values_list("staff__name", "total"))


def test_a_run_computes_each_consultants_pay_from_the_records(world: World) -> None:
    ManualRating.objects.create(store=world.stores["S1"], period=OCTOBER.first_day, staff=world.staff["c1"],
                                indicator="showroom", value=Decimal("8"), comment="接待规范",
                                rated_by=world.staff["sup1"])
    run = compute(world)
    assert run.status == Run.Status.DRAFT, run.error
    assert totals(run) == EXPECTED_TOTALS
    c1 = Statement.objects.get(run=run, staff=world.staff["c1"])
    # volume: 0.5 of a target of 2 = 25 points x 80%; showroom: 8 of 10 = 80 points x 20%.
    assert c1.total_score == Decimal("25") * Decimal("0.8") + Decimal("80") * Decimal("0.2")
    assert sum(line.amount for line in c1.lines.all()) == c1.total
    award = c1.lines.get(rule="unit_award")
    shared_delivery = world.staff["c1"].orders.get(status="confirmed").delivery
    assert [d["deal"] for d in award.deals] == [str(shared_delivery.pk)]
    assert (run.progress_done, run.progress_total) == (3, 3)


def test_an_adjustment_and_a_recompute_make_a_new_version_and_show_the_difference(world: World, client) -> None:
    first = compute(world)
    Adjustment.objects.create(store=world.stores["S1"], period=OCTOBER.first_day, staff=world.staff["c3"],
                              amount=Decimal("-100"), reason="迟到扣款", created_by=world.staff["m1"])
    second = compute(world)
    first.refresh_from_db()
    assert (first.status, second.number, second.previous_id) == (Run.Status.SUPERSEDED, 2, first.pk)
    assert totals(second)["c3"] == EXPECTED_TOTALS["c3"] - 100
    client.login(username="m1", password=PASSWORD)
    page = client.get(reverse("run-detail", args=[second.pk]))
    changes = {s.staff.name: s.change for s in page.context["statements"]}
    assert changes == {"c1": 0, "c2": 0, "c3": Decimal("-100")}


def test_the_workflow_moves_only_by_the_right_roles_and_a_locked_run_never_changes(world: World) -> None:
    run = compute(world)
    viewer = {name: viewer_for(world.users[name]) for name in ("c1", "m1", "gm1", "hr1")}
    with pytest.raises(PermissionDenied):
        workflow.submit(run, viewer["c1"], world.users["c1"])
    with pytest.raises(PermissionDenied):
        workflow.approve(run, viewer["gm1"], world.users["gm1"])
    workflow.submit(run, viewer["m1"], world.users["m1"])
    with pytest.raises(PermissionDenied):
        workflow.approve(run, viewer["m1"], world.users["m1"])
    workflow.approve(run, viewer["gm1"], world.users["gm1"])
    workflow.lock(run, viewer["hr1"], world.users["hr1"])
    run.refresh_from_db()
    assert (run.status, run.submitted_by, run.approved_by) == (Run.Status.LOCKED, world.users["m1"],
                                                                world.users["gm1"])
    moves = AuditEntry.objects.filter(content_type__model="run", object_id=str(run.pk),
                                      action__in=("update", "update-bulk"))
    assert [(e.before["status"], e.after["status"]) for e in moves.order_by("pk")] == [
        ("queued", "computing"), ("computing", "draft"), ("draft", "submitted"), ("submitted", "approved"),
        ("approved", "locked")]
    assert [e.actor for e in moves.order_by("pk")][2:] == [None, None, None], "service calls outside a request"
    locked_totals = totals(run)
    Adjustment.objects.create(store=world.stores["S1"], period=OCTOBER.first_day, staff=world.staff["c1"],
                              amount=Decimal("50"), reason="补发", created_by=world.staff["m1"])
    again = compute(world)
    run.refresh_from_db()
    assert run.status == Run.Status.LOCKED and totals(run) == locked_totals
    assert totals(again)["c1"] == locked_totals["c1"] + 50


def test_a_failed_run_leaves_the_previous_version_intact(world: World) -> None:
    good = compute(world)
    credit = OrderCredit.objects.get(staff=world.staff["c3"], order__status="confirmed")
    credit.share = Decimal("90")
    credit.save()
    failed = compute(world)
    good.refresh_from_db()
    assert failed.status == Run.Status.FAILED and "100" in failed.error
    assert not Statement.objects.filter(run=failed).exists()
    assert good.status == Run.Status.DRAFT and totals(good) == EXPECTED_TOTALS


def test_an_unwind_after_a_locked_month_is_clawed_back_the_next_month(world: World) -> None:
    october = compute(world)
    for move, who in ((workflow.submit, "m1"), (workflow.approve, "gm1"), (workflow.lock, "hr1")):
        move(october, viewer_for(world.users[who]), world.users[who])
    order = world.staff["c3"].orders.get(status="confirmed")
    Reversal.objects.create(store=order.store, order=order, kind="unwind", reason="客户退车",
                            at=timezone.make_aware(datetime.datetime(2026, 11, 5, 10)),
                            recorded_by=world.staff["m1"])
    november = compute(world, NOVEMBER)
    c3 = Statement.objects.get(run=november, staff=world.staff["c3"])
    lines = {(line.category, line.kind): line.amount for line in c3.lines.all()}
    assert Decimal("-300") in lines.values(), lines
    assert c3.total == Decimal("1200") - 300


def test_consultants_see_their_statement_once_submitted_and_only_theirs(world: World, client) -> None:
    run = compute(world)
    mine = Statement.objects.get(run=run, staff=world.staff["c1"])
    theirs = Statement.objects.get(run=run, staff=world.staff["c2"])
    client.login(username="c1", password=PASSWORD)
    assert client.get(reverse("statement-detail", args=[mine.pk])).status_code == 404, "drafts are not shown"
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    page = client.get(reverse("statement-detail", args=[mine.pk]))
    assert page.status_code == 200 and "单车奖" in page.content.decode()
    assert client.get(reverse("statement-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("run-list")).status_code == 302, "consultants go to their statements"
    assert client.get(reverse("run-detail", args=[run.pk])).status_code == 404
    client.login(username="sup1", password=PASSWORD)
    names = {s.staff.name for s in client.get(reverse("run-detail", args=[run.pk])).context["statements"]}
    assert names == {"c1", "c2"}
    client.login(username="m2", password=PASSWORD)
    assert client.get(reverse("run-detail", args=[run.pk])).status_code == 404


def test_the_run_page_keeps_its_statements_table_until_a_query_or_the_reader_changes_it(world: World,
                                                                                         client) -> None:
    """The run page's statements, charts and warnings are rendered once and kept (pay.views.run_page_parts): read
    again, the same table in fewer queries; a supervisor after the manager still sees only their team; a query
    raised since shows at once; each language has its own."""
    run = compute(world)
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    url = reverse("run-detail", args=[run.pk])

    def table_as(username: str) -> tuple[str, int]:
        client.login(username=username, password=PASSWORD)
        with CaptureQueriesContext(connection) as captured:
            content = client.get(url).content.decode()
        start = content.index('data-testid="statements"')
        return content[start:content.index("</table>", start)], len(captured)

    first, first_queries = table_as("m1")
    again, again_queries = table_as("m1")
    assert again == first and again_queries < first_queries, (first_queries, again_queries)
    assert ">c3</a>" in first and '<span class="warn">' not in first
    supervisors, _queries = table_as("sup1")
    assert ">c1</a>" in supervisors and ">c3</a>" not in supervisors, "c3 is in the other team"
    statement = Statement.objects.get(run=run, staff=world.staff["c3"])
    client.login(username="c3", password=PASSWORD)
    client.post(reverse("statement-detail", args=[statement.pk]), {"question": "这个月的提成怎么算的？"})
    raised, _queries = table_as("m1")
    assert '<span class="warn">1</span>' in raised
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english, _queries = table_as("m1")
    assert "总得分" in raised and "Total score" in english


def test_a_figure_links_to_the_records_behind_it(world: World, client) -> None:
    run = compute(world)
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    statement = Statement.objects.get(run=run, staff=world.staff["c2"])
    client.login(username="c2", password=PASSWORD)
    page = client.get(reverse("statement-records", args=[statement.pk, "volume"]))
    shown = {row.record.pk for row in page.context["table"].rows}
    expected = {c.order.delivery.pk for c in OrderCredit.objects.filter(staff=world.staff["c2"],
                                                                        order__status="confirmed")}
    assert shown == expected and len(shown) == 2


def test_a_query_is_answered_and_an_accepted_one_becomes_an_audited_adjustment(world: World, client) -> None:
    run = compute(world)
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    statement = Statement.objects.get(run=run, staff=world.staff["c1"])
    line = statement.lines.get(rule="unit_award")
    client.login(username="c1", password=PASSWORD)
    client.post(reverse("statement-detail", args=[statement.pk]), {"question": "合作单应该算我全台", "line": line.pk})
    query = StatementQuery.objects.get()
    assert (query.line, query.raised_by) == (line, world.staff["c1"])
    with translation.override("en"), pytest.raises(ValidationError, match="open queries"):
        workflow.approve(run, viewer_for(world.users["gm1"]), world.users["gm1"])
    client.login(username="m1", password=PASSWORD)
    response = client.post(reverse("query-answer", args=[query.pk]), {"decision": "accepted", "answer": "同意补发"})
    assert response.status_code == 200 and "amount" in response.context["form"].errors
    client.post(reverse("query-answer", args=[query.pk]),
                {"decision": "accepted", "answer": "同意补发", "amount": "150"})
    query.refresh_from_db()
    assert query.status == StatementQuery.Status.ACCEPTED and query.adjustment.amount == Decimal("150")
    assert AuditEntry.objects.filter(content_type__model="adjustment", action="create").exists()
    workflow.approve(run, viewer_for(world.users["gm1"]), world.users["gm1"])


def test_ratings_are_entered_in_the_browser_with_field_errors(world: World, client) -> None:
    run = compute(world)
    client.login(username="sup1", password=PASSWORD)
    url = reverse("run-inputs", args=[run.pk])
    response = client.post(url, {"rating": "1", "staff": world.staff["c1"].pk, "indicator": "showroom",
                                 "value": "", "comment": ""})
    assert response.status_code == 200 and {"value", "comment"} <= set(response.context["rating_form"].errors)
    client.post(url, {"rating": "1", "staff": world.staff["c1"].pk, "indicator": "showroom", "value": "9",
                      "comment": "主动接待"})
    rating = ManualRating.objects.get()
    assert (rating.value, rating.rated_by) == (Decimal("9"), world.staff["sup1"])
    response = client.post(url, {"rating": "1", "staff": world.staff["c3"].pk, "indicator": "showroom",
                                 "value": "9", "comment": "x"})
    assert "staff" in response.context["rating_form"].errors, "c3 is not in the supervisor's team"


def test_the_browser_starts_a_run_and_polls_its_progress(world: World, client,
                                                        django_capture_on_commit_callbacks) -> None:
    client.login(username="m1", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("run-list"), {"month": "2026-10"})
    run = Run.objects.get()
    assert response["Location"] == reverse("run-detail", args=[run.pk])
    progress = client.get(reverse("run-progress", args=[run.pk]))
    assert progress.headers.get("HX-Refresh") == "true", "immediate jobs in tests: already computed"
    assert run.statements.count() == 3
    assert client.post(reverse("run-list"), {"month": "2099-01"}).context["form"].errors["month"]


def test_the_run_command_prints_progress_and_a_summary(world: World, capsys) -> None:
    call_command("run", period="2026-10", store=["S1"])
    output = capsys.readouterr().out
    assert "S1" in output and f"{sum(EXPECTED_TOTALS.values()):,.2f}" in output


def test_the_run_command_computes_a_whole_group_in_batches(world: World, capsys) -> None:
    call_command("run", period="2026-10", group="G1", batch=2)
    output = capsys.readouterr().out
    assert "3/3" in output and all(code in output for code in ("S1", "S2", "S3")) and "S4" not in output
    assert totals(Run.objects.get(store=world.stores["S1"])) == EXPECTED_TOTALS
    assert Run.objects.filter(status=Run.Status.DRAFT).count() == 3
    assert f"{sum(EXPECTED_TOTALS.values()):,.2f}" in output, "S1's total in the summary"


def test_the_run_commands_summary_reads_every_runs_figures_at_once(world: World) -> None:
    done = list(runs.compute_stores(list(Store.objects.order_by("code")[:3]), Period(2026, 10)))
    counts = []
    for shown in (done[:1], done):
        with CaptureQueriesContext(connection) as captured:
            RunCommand.summary(Console(file=io.StringIO()), shown)
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_earnings_to_date_and_what_one_more_car_would_add(world: World, client) -> None:
    from dealerkpi.pay.earnings import earnings_to_date

    earnings = earnings_to_date(world.staff["c3"], datetime.date(2026, 10, 20))
    assert earnings.total == EXPECTED_TOTALS["c3"]
    assert earnings.next_car_adds == Decimal("300"), "the plan pays 300 a car"
    client.login(username="c3", password=PASSWORD)
    page = client.get(reverse("my-earnings"))
    assert page.status_code == 200 and page.context["earnings"].now.member.name == "c3"


def test_engine_texts_are_worded_in_the_readers_language(world: World, client) -> None:
    from django.conf import settings

    run = compute(world)
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    statement = Statement.objects.get(run=run, staff=world.staff["c1"])
    client.login(username="c1", password=PASSWORD)
    chinese = client.get(reverse("statement-detail", args=[statement.pk])).content.decode()
    assert "基本工资" in chinese and "线性" in chinese and "base pay" not in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("statement-detail", args=[statement.pk])).content.decode()
    assert "Base pay" in english and "linear: achievement %, 0 below 0%, at most 120" in english


def test_a_run_computes_the_metrics_its_plans_name_and_only_those() -> None:
    from pathlib import Path

    from dealerkpi.plans.engine import check_plan, load_plan_text

    document = (Path(__file__).resolve().parent.parent / "examples" / "plans" / "consultant.yaml").read_text("utf-8")
    needed = set(run_inputs.metrics_needed([check_plan(load_plan_text(document))]))
    assert {"units_delivered", "units_by_margin_class:high", "insurance_penetration"} <= needed, "indicators"
    assert {"price_floor_breaches", "cross_region_sales", "test_drive_rate"} <= needed, "only in pay rules"
    assert "market_share" not in needed and "attendance_rate" not in needed


QUARTER_PLAN = """
plan: test_consultant
name: 测试顾问方案
role: consultant
version: "q1"
period: month
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume:
    label: 销量
    metric: units_delivered
    target: 2
    scoring: {kind: linear, cap: 120}
weights:
  default: {volume: 100}
pay:
  quarter_award:
    label: 季度奖
    kind: formula
    every: quarter
    amount: 100 * quarter.units_delivered + 10 * quarter.new_leads
"""


def test_quarter_figures_add_up_the_earlier_months_by_metric(world: World) -> None:
    """Q4 of 2026: October's world, a car for c3 in November and one in December. The quarter award of December
    adds up the three months of units_delivered (indicator `volume`, not named after it) and of new_leads (no
    indicator at all), from what the final runs of October and November kept, by metric."""
    publish_version(Plan.objects.get(code="consultant"), QUARTER_PLAN, datetime.date(2026, 10, 1))
    for month in (11, 12):
        delivered_deal(world, "c3", timezone.make_aware(datetime.datetime(2026, month, 10, 10)))
    m1, gm1 = world.users["m1"], world.users["gm1"]
    for period in (OCTOBER, NOVEMBER):
        run = compute(world, period)
        workflow.submit(run, viewer_for(m1), m1)
        workflow.approve(run, viewer_for(gm1), gm1)
    december = compute(world, Period(2026, 12))
    store = [world.stores["S1"].pk]
    months = [metrics.compute(["units_delivered", "new_leads"], store, Period(2026, m)) for m in (10, 11, 12)]
    for name in ("c1", "c2", "c3"):
        pk = world.staff[name].pk
        units = sum(month.total("units_delivered", [pk]) for month in months)
        leads = sum(month.total("new_leads", [pk]) for month in months)
        award = StatementLine.objects.get(statement__run=december, statement__staff_id=pk, kind="formula")
        assert award.amount == 100 * units + 10 * leads, name
    c3 = world.staff["c3"].pk
    assert sum(month.total("units_delivered", [c3]) for month in months) == 3, "one car a month"


def test_statements_from_before_keep_what_their_indicators_recorded(world: World) -> None:
    """The migration that adds month_metrics fills it, for earlier statements, from their indicators."""
    run = compute(world)
    Statement.objects.filter(run=run).update(month_metrics={}, month_targets={})
    fill_from_indicators(apps, None)
    c1 = Statement.objects.get(run=run, staff=world.staff["c1"])
    assert (c1.month_metrics, c1.month_targets) == ({"units_delivered": "0.5"}, {"units_delivered": "2"})
