"""A draft tried on past months (studio.replay, studio.whatif, studio.preview): each person's pay under the draft
beside what the version in force paid, on the same inputs; the draft's own quarter; who may try it where; nothing
written to runs or statements. Every expected figure is worked out by hand from the plans below.

The world: the group's consultant plan (volume target 2 cars, base 1,200, 300 a car, and at the end of a quarter
10 x the quarter's average total score) from January 2026. c3 delivers a car in July, August and September (and,
like c1 and c2, has October's deals of tests/world.py); July and August have approved runs, September none. The
draft sets the target to 1 car.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dealerkpi.core.models import AuditEntry
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.models import Adjustment, PeriodFigures, Run, Statement, StatementIndicator, StatementLine
from dealerkpi.plans.engine import Period
from dealerkpi.plans.models import Plan, parse_plan_document, publish_version
from dealerkpi.studio import workflow as drafts
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.replay import PersonMonth, default_months, replay
from dealerkpi.studio.whatif import months_between
from tests.world import World, delivered_deal, signed_in, world_with_consultant_plan

pytestmark = pytest.mark.django_db
JULY, AUGUST, SEPTEMBER, OCTOBER = (Period(2026, month) for month in (7, 8, 9, 10))
PUBLISHED = """
plan: test_consultant
name: 测试顾问方案
role: consultant
version: "w1"
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
base_pay:
  - {amount: 1200}
pay:
  unit_award:
    label: 单车奖
    kind: per_unit
    amount: 300
  quarter_award:
    label: 季度奖
    kind: formula
    every: quarter
    amount: 10 * quarter.avg_score
"""
DRAFTED = PUBLISHED.replace("target: 2", "target: 1")


def approve(world: World, run: Run) -> Run:
    m1, gm1 = world.users["m1"], world.users["gm1"]
    workflow.submit(run, viewer_for(m1), m1)
    return workflow.approve(run, viewer_for(gm1), gm1)


@pytest.fixture
def world() -> World:
    return whatif_world()


def whatif_world() -> World:
    """The world of the module's doc (the browser test builds it too)."""
    world = world_with_consultant_plan(PUBLISHED)
    for month in (7, 8, 9):
        delivered_deal(world, "c3", timezone.make_aware(datetime.datetime(2026, month, 10, 10)))
    Adjustment.objects.create(store=world.stores["S1"], period=JULY.first_day, staff=world.staff["c3"],
                              amount=Decimal("-100"), reason="迟到扣款", created_by=world.staff["m1"])
    for period in (JULY, AUGUST):
        approve(world, runs.compute(runs.new_run(world.stores["S1"], period)))
    return world


def plan_of(world: World) -> Plan:
    return Plan.objects.get(code="consultant")


def draft_of(world: World, document: str = DRAFTED, plan: Plan | None = None) -> PlanDraft:
    draft = drafts.start_draft(plan or plan_of(world), world.users["m1"])
    return drafts.save_draft(draft, document, draft.effective_from, "目标改为1台")


def by_person(world: World, rows: list[PersonMonth], period: Period) -> dict[str, PersonMonth]:
    names = {staff.pk: key for key, staff in world.staff.items()}
    return {names[row.staff_id]: row for row in rows if row.period == period}


def quarter_award(row: PersonMonth, side: str) -> Decimal:
    result = getattr(row, side)
    return sum((line.amount for line in result.lines if line.rule == "quarter_award"), Decimal(0))


def paid(world: World, period: Period) -> dict[str, Decimal]:
    return {statement.staff.name: statement.total for statement in Statement.objects.filter(
        run__store=world.stores["S1"], run__period=period.first_day, run__status=Run.Status.APPROVED)}


# --- the replay ------------------------------------------------------------------------------------------------


def test_the_published_version_replayed_pays_what_was_paid(world: World) -> None:
    plan = plan_of(world)
    rows = replay(plan, plan.versions.get().engine_plan(), [world.stores["S1"]], [JULY, AUGUST, SEPTEMBER])
    assert {row.period for row in rows} == {JULY, AUGUST, SEPTEMBER}
    assert all(row.old is not None and row.new is not None and row.old.total == row.new.total for row in rows)
    for period in (JULY, AUGUST):
        assert {key: row.old.total for key, row in by_person(world, rows, period).items()} == paid(world, period)
    assert paid(world, JULY)["c3"] == 1200 + 300 - 100, "the adjustment is in what was paid"


def test_the_draft_beside_what_was_paid_with_its_own_quarter(world: World) -> None:
    """September closes the quarter. Paid: no final run, so the published version computed again, on the scores the
    approved runs of July and August left: c3 scored 50 each month, 10 x 50 = 500. The draft: c3 scored 100 in
    each month under it, and its September reads its own July and August: 10 x 100 = 1,000 (not 10 x 66.67)."""
    rows = replay(plan_of(world), parse_plan_document(DRAFTED), [world.stores["S1"]], [JULY, AUGUST, SEPTEMBER])
    july, september = by_person(world, rows, JULY), by_person(world, rows, SEPTEMBER)
    assert (july["c3"].old.total_score, july["c3"].new.total_score) == (50, 100)
    assert (july["c3"].old.total, july["c3"].new.total) == (Decimal("1400"), Decimal("1400")), "adjusted, both"
    assert (quarter_award(september["c3"], "old"), quarter_award(september["c3"], "new")) == (500, 1000)
    assert (september["c3"].old.total, september["c3"].new.total) == (Decimal("2000"), Decimal("2500"))
    assert september["c3"].month.metrics["units_delivered"] == 1
    assert september["c1"].new.total == september["c1"].old.total == 1200


def test_without_final_runs_the_version_in_force_carries_its_own_draw_as_runs_would() -> None:
    """No run of July or August: the version in force is computed again for each month, and the draw it paid in
    July is recovered from August's commission (five cars, 1,500 yuan: 500 above the draw), as August's run would,
    on both sides: a draft that changes nothing costs exactly what the version did."""
    with_draw = PUBLISHED.replace("    kind: per_unit\n", "    kind: per_unit\n    category: commission\n"
                                  ) + "draw:\n  amount: 1000\n  applies_to: [commission]\n"
    world = world_with_consultant_plan(with_draw)
    for day in range(1, 6):
        delivered_deal(world, "c3", timezone.make_aware(datetime.datetime(2026, 8, day, 10)))
    rows = replay(plan_of(world), parse_plan_document(with_draw), [world.stores["S1"]], [JULY, AUGUST])
    c3 = {row.period: row for row in rows if row.staff_id == world.staff["c3"].pk}
    assert [line.amount for line in c3[JULY].old.lines if line.kind == "draw"] == [Decimal("1000.00")]
    assert [line.amount for line in c3[AUGUST].old.lines if line.kind == "draw_recovery"] == [Decimal("-500.00")]
    assert all(row.old.total == row.new.total and row.old.lines == row.new.lines for row in rows)


def test_a_store_with_its_own_plan_is_not_covered_by_the_group_drafts(world: World) -> None:
    own = Plan.objects.create(group=plan_of(world).group, store=world.stores["S2"], code="s2", name="S2 顾问",
                              role="consultant")
    publish_version(own, PUBLISHED, datetime.date(2026, 1, 1))
    stores = [world.stores["S1"], world.stores["S2"], world.stores["S3"]]
    rows = replay(plan_of(world), parse_plan_document(DRAFTED), stores, [OCTOBER])
    assert {row.store_id for row in rows} == {world.stores["S1"].pk, world.stores["S3"].pk}
    rows = replay(own, parse_plan_document(DRAFTED), stores, [OCTOBER])
    assert {row.store_id for row in rows} == {world.stores["S2"].pk}
    assert [row.new.total for row in rows] == [Decimal("1200") + 300 + 0]  # c4: one car, 100 points


def test_a_changed_tier_costs_its_difference(world: World) -> None:
    document = PUBLISHED.replace("amount: 300", "amount: 500")
    rows = replay(plan_of(world), parse_plan_document(document), [world.stores["S1"]], [OCTOBER])
    units = {"c1": Decimal("0.5"), "c2": Decimal("1.5"), "c3": Decimal("1")}
    october = by_person(world, rows, OCTOBER)
    assert {key: row.new.total - row.old.total for key, row in october.items()} == {
        key: 200 * count for key, count in units.items()}


# --- the page, the workbook and who sees them -----------------------------------------------------------------------


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Run, Statement, StatementLine, StatementIndicator, Adjustment))


def test_the_sales_manager_sees_the_stores_year_and_nothing_is_written(world: World) -> None:
    draft = draft_of(world)
    before = counts()
    page = signed_in("m1").get(reverse("draft-whatif", args=[draft.pk]))
    assert page.status_code == 200
    result = page.context["result"]
    assert [str(period) for period in result.periods] == [str(p) for p in default_months(timezone.localdate())]
    assert result.totals.old == sum(paid(world, JULY).values()) + sum(paid(world, AUGUST).values()) + sum(
        row.old for row in result.rows if row.old is not None and row.period not in (JULY, AUGUST))
    assert result.totals.change == sum(person.sums.change for person in result.people)
    # December 2025 had no plan in force: the draft's pay there is all change (base pay for each consultant)
    assert result.unplanned == 3 and {person.name for person in result.gainers} == {"c1", "c2", "c3"}
    assert result.gainers[0].name == "c3" and result.gainers[0].sums.change == 1200 + 500
    assert b'data-testid="total-old"' in page.content and b"whatif-months-chart" in page.content
    assert counts() == before
    assert PeriodFigures.objects.filter(store=world.stores["S1"]).count() >= 12  # kept for the next time


def test_who_may_try_a_draft_and_where(world: World) -> None:
    draft = draft_of(world)
    url = reverse("draft-whatif", args=[draft.pk])
    for username in ("c1", "sup1", "nostaff"):
        assert signed_in(username).get(url).status_code == 404, username
    head_office = signed_in("ho_group").get(url)
    assert head_office.status_code == 200 and head_office.context["result"] is None, "a group: chosen, not assumed"
    keys = [key for key, _label in head_office.context["form"].fields["scope"].choices]
    s1, s2, s3 = (world.stores[code].pk for code in ("S1", "S2", "S3"))
    assert keys[0] == "group" and {f"store-{s1}", f"store-{s2}", f"store-{s3}"} <= set(keys)
    group = signed_in("ho_group").get(url, {"scope": "group", "first": "2026-10", "last": "2026-10"})
    assert {row.store_id for row in group.context["result"].rows} == {s1, s2, s3}
    region = signed_in("ho_r1").get(url, {"scope": "group", "first": "2026-10", "last": "2026-10"})
    assert region.context["result"] is None and "scope" in region.context["form"].errors
    region = signed_in("ho_r1").get(url, {"scope": f"store-{s3}", "first": "2026-10", "last": "2026-10"})
    assert region.context["result"] is None, "S3 is in another region"
    mine = signed_in("m2").get(url, {"scope": f"store-{s1}", "first": "2026-10", "last": "2026-10"})
    assert mine.context["result"] is None, "another store's manager tries the group's draft on their own store only"
    own = Plan.objects.create(group=plan_of(world).group, store=world.stores["S1"], code="s1", name="S1 顾问",
                              role="consultant")
    publish_version(own, PUBLISHED, datetime.date(2026, 1, 1))
    store_draft = draft_of(world, plan=own)
    assert signed_in("m2").get(reverse("draft-whatif", args=[store_draft.pk])).status_code == 404
    assert signed_in("m1").get(reverse("draft-whatif", args=[store_draft.pk])).status_code == 200


@pytest.mark.parametrize(("first", "last", "field"), [
    ("2026-10", "2026-09", "first"), ("2024-01", "2026-10", "first"), ("2026-10", "2099-12", "last"),
    ("2026-13", "2026-10", "first"), ("", "2026-10", "first"),
])
def test_months_that_cannot_be_tried_are_field_errors(world: World, first: str, last: str, field: str) -> None:
    draft = draft_of(world)
    page = signed_in("m1").get(reverse("draft-whatif", args=[draft.pk]), {
        "scope": f"store-{world.stores['S1'].pk}", "first": first, "last": last})
    assert page.status_code == 200 and page.context["result"] is None
    assert field in page.context["form"].errors


def test_an_invalid_draft_says_why_it_cannot_be_tried(world: World) -> None:
    draft = draft_of(world, PUBLISHED.replace("kind: per_unit", "kind: per_cat"))
    page = signed_in("m1").get(reverse("draft-whatif", args=[draft.pk]))
    assert page.status_code == 200 and page.context["result"] is None and page.context["problems"]


def test_the_workbook_adds_up_and_its_download_is_audited(world: World) -> None:
    draft = draft_of(world)
    query = {"scope": f"store-{world.stores['S1'].pk}", "first": "2026-07", "last": "2026-09"}
    response = signed_in("m1").get(reverse("draft-whatif-xlsx", args=[draft.pk]), query)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    people = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    c3 = next(row for row in people if row[2] == "c3")
    assert c3[3:] == (3, Decimal("1400") + 1500 + 2000, Decimal("1400") + 1500 + 2500, 500)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DOWNLOAD, object_id=str(draft.pk)).count() == 1
    wrong = signed_in("m1").get(reverse("draft-whatif-xlsx", args=[draft.pk]), {**query, "last": "2026-06"})
    assert wrong.status_code == 400


def test_months_between_counts_across_years() -> None:
    assert [str(p) for p in months_between(datetime.date(2025, 11, 1), datetime.date(2026, 2, 1))] == [
        "2025-11", "2025-12", "2026-01", "2026-02"]


# --- the preview on one person and month ----------------------------------------------------------------------------


def test_the_preview_shows_one_persons_month_under_both_in_words(world: World) -> None:
    """September alone: the draft reads the scores the approved runs left (50, 50), then its own 100: 10 x 66.67."""
    draft = draft_of(world)
    url = reverse("draft-preview", args=[draft.pk])
    before = counts()
    fragment = signed_in("m1").get(url, {"staff": world.staff["c3"].pk, "month": "2026-09"})
    assert fragment.status_code == 200
    old, new = fragment.context["old"], fragment.context["new"]
    assert (old.total, new.total) == (Decimal("2000"), Decimal("1200") + 300 + Decimal("666.67"))
    assert fragment.context["change"] == Decimal("166.67")
    text = fragment.content.decode()
    assert "单车奖" in text and "季度奖" in text and "quarter.avg_score" not in text.split("<details")[0]
    july = signed_in("m1").get(url, {"staff": world.staff["c3"].pk, "month": "2026-07"})
    assert july.context["old"].run_id is not None and july.context["old"].total == Decimal("1400")
    assert counts() == before


def test_the_preview_refuses_people_and_months_it_cannot_show(world: World) -> None:
    draft = draft_of(world)
    url = reverse("draft-preview", args=[draft.pk])
    other_store = signed_in("m1").get(url, {"staff": world.staff["c4"].pk, "month": "2026-10"})
    assert other_store.status_code == 200 and other_store.context["problems"] and "person" not in other_store.context
    for query in ({}, {"staff": "x", "month": "2026-10"}, {"staff": "99999999999999999999999", "month": "2026-10"},
                  {"staff": world.staff["c3"].pk, "month": "2026-13"}):
        bad = signed_in("m1").get(url, query)
        assert bad.status_code == 200 and bad.context["form"].errors, query
    assert signed_in("c3").get(url, {"staff": world.staff["c3"].pk, "month": "2026-10"}).status_code == 404
