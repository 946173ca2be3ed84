"""Warnings on a bonus run: a figure a plan policy stood in for is kept on the statement, shown on the run and the
statement in the reader's language, and a blocking one (a missing target, by default) stops the submission until
the target is set and the run recomputed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.models import Run, Statement
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, publish_version
from dealerkpi.plans.wording import worded_warning
from dealerkpi.targets.models import Target
from tests.test_query_counts import hire_consultants
from tests.world import PASSWORD, World, world_with_consultant_plan

pytestmark = pytest.mark.django_db
OCTOBER = Period(2026, 10)
PLAN = """
plan: warned_consultant
name: 测试顾问方案
role: consultant
version: "w1"
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume:
    label: 销量
    metric: units_delivered
    target: person
    scoring: {kind: linear, cap: 120}
  showroom:
    label: 展厅接待
    scoring: {kind: manual, max: 10}
weights:
  default: {volume: 80, showroom: 20}
base_pay:
  - {amount: 1200}
"""
MISSING_TARGET = {"kind": "missing_target", "figure": "target.units_delivered", "policy": "skip",
                  "item": {"kind": "indicator", "id": "volume", "label": "销量"}, "blocking": True}
NOT_RATED = {"kind": "missing_rating", "figure": "rating.showroom", "policy": "zero",
             "item": {"kind": "indicator", "id": "showroom", "label": "展厅接待"}, "blocking": False}
MISSING_TARGET_IN_ENGLISH = ("indicator 销量 (volume): the target units_delivered is missing; the indicator was left "
                             "out and its weight shared by the other indicators")


@pytest.fixture
def world() -> World:
    return world_with_consultant_plan(PLAN)


def set_targets(world: World, *names: str) -> None:
    for name in names:
        Target.objects.create(store=world.stores["S1"], staff=world.staff[name], month=OCTOBER.first_day,
                              metric="units_delivered", value=Decimal("2"))


def compute(world: World) -> Run:
    run = runs.compute(runs.new_run(world.stores["S1"], OCTOBER))
    assert run.status == Run.Status.DRAFT, run.error
    return run


def warnings_of(run: Run) -> dict[str, list[dict]]:
    return dict(Statement.objects.filter(run=run).values_list("staff__name", "warnings"))


def submit(world: World, run: Run) -> Run:
    return workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])


def page(client, run: Run, language: str = "") -> str:
    client.login(username="m1", password=PASSWORD)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("run-detail", args=[run.pk])).content.decode()


def test_a_missing_target_is_kept_on_the_statement_as_a_blocking_warning(world: World) -> None:
    set_targets(world, "c1")
    run = compute(world)
    assert warnings_of(run) == {"c1": [NOT_RATED], "c2": [MISSING_TARGET, NOT_RATED],
                                "c3": [MISSING_TARGET, NOT_RATED]}
    c2 = Statement.objects.get(run=run, staff=world.staff["c2"])
    assert c2.blocked and c2.total_score == Decimal("0"), "volume skipped: the rating's weight is all that is left"


def test_the_run_page_lists_the_warnings_in_the_readers_language(world: World, client) -> None:
    run = compute(world)
    with translation.override("zh-hans"):
        chinese = str(worded_warning(MISSING_TARGET).message)
    shown = page(client, run)
    assert '<html lang="zh-hans">' in shown and 'data-testid="run-warnings"' in shown and chinese in shown
    english = page(client, run, "en")
    assert "6 warnings" in english and "3 people have warnings that block submission" in english
    assert "the target units_delivered is missing; the indicator was left out" in english
    assert english.index("run-warnings") < english.index("data-testid=\"submit\""), "above the actions"


def test_the_statement_page_shows_the_persons_own_warnings(world: World, client) -> None:
    run = compute(world)
    statement = Statement.objects.get(run=run, staff=world.staff["c2"])
    client.login(username="m1", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    shown = client.get(reverse("statement-detail", args=[statement.pk])).content.decode()
    assert MISSING_TARGET_IN_ENGLISH in shown
    assert "indicator 展厅接待 (showroom): nobody rated it; counted as 0" in shown


def test_submission_is_refused_until_the_targets_are_set_and_the_run_recomputed(world: World, client) -> None:
    set_targets(world, "c1")
    run = compute(world)
    with translation.override("en"), pytest.raises(ValidationError, match="2 people have warnings that block"):
        submit(world, run)
    client.login(username="m1", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("run-action", args=[run.pk, "submit"]), follow=True)
    assert "Set the targets the warnings name" in response.content.decode()
    run.refresh_from_db()
    assert run.status == Run.Status.DRAFT
    set_targets(world, "c2", "c3")
    again = compute(world)
    assert warnings_of(again) == {name: [NOT_RATED] for name in ("c1", "c2", "c3")}
    assert submit(world, again).status == Run.Status.SUBMITTED


def test_a_non_blocking_warning_is_shown_to_the_gm_but_does_not_block(world: World, client) -> None:
    set_targets(world, "c1", "c2", "c3")
    run = submit(world, compute(world))
    client.login(username="gm1", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    shown = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert "3 warnings" in shown and "nobody rated it; counted as 0" in shown
    assert "block submission" not in shown and "blocks submission" not in shown
    assert shown.index("run-warnings") < shown.index("data-testid=\"approve\""), "the GM reads them first"


def test_a_plan_may_make_a_missing_target_not_block(world: World) -> None:
    publish_version(Plan.objects.get(code="consultant"), PLAN.replace("policies:", "warnings: {block: []}\npolicies:")
                    .replace('"w1"', '"w2"'), datetime.date(2026, 10, 1))
    run = compute(world)
    assert warnings_of(run)["c2"] == [{**MISSING_TARGET, "blocking": False}, NOT_RATED]
    assert submit(world, run).status == Run.Status.SUBMITTED


def test_warnings_cost_no_query_per_person(world: World, client) -> None:
    counts = []
    for extra in (0, 6):
        hire_consultants(world, extra)
        compute(world)  # a version before: each run measured supersedes one
        run = runs.new_run(world.stores["S1"], OCTOBER)
        with CaptureQueriesContext(connection) as computing:
            runs.compute(run)
        client.login(username="m1", password=PASSWORD)
        with CaptureQueriesContext(connection) as showing:
            assert client.get(reverse("run-detail", args=[run.pk])).status_code == 200
        with CaptureQueriesContext(connection) as submitting, pytest.raises(ValidationError):
            submit(world, run)
        assert all(rows for rows in warnings_of(run).values())
        counts.append((len(computing), len(showing), len(submitting)))
    assert counts[0] == counts[1], counts
