"""What changed between two versions of a plan, or a draft and the version it started from: in words (weights, tiers,
rules and indicators added or removed, targets' sources, anything else by its place) and as the documents side by
side; versions for whoever reads the plan, drafts for those who read drafts."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from dealerkpi.plans.models import Plan, PlanVersion, publish_version
from dealerkpi.studio import workflow
from dealerkpi.studio.diff import ADDED, CHANGED, REMOVED, Change, changes, compare, side_by_side
from dealerkpi.studio.models import PlanDraft
from tests.world import World, build_world, signed_in

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
V1 = (EXAMPLES / "consultant.yaml").read_text(encoding="utf-8")
FINE = """  cross_region:
    label: 窜货罚款
    kind: fine
    count: cross_region_sales
    amount: 1000
"""
KPI = """  showroom:
    label: 展厅接待与形象 (主管评分)
    scoring: {kind: manual, max: 10, default: 8}   # not rated: a standard 8 of 10
"""
V2 = (V1.replace("amount: 200}", "amount: 250}")  # tier 2 of the volume award
      .replace("    volume: 35\n    high_margin: 10\n", "    volume: 30\n    high_margin: 15\n")
      .replace("    target: 95\n", "    target: person\n")  # the follow-up indicator's target
      .replace(FINE, FINE.replace("  cross_region:", "  late_delivery:").replace("窜货罚款", "交车延误罚款"))
      .replace("cap: 30000}", "cap: 32000}")
      .replace("# 销售顾问绩效方案", "# 销售顾问绩效方案 (2026)"))
pytestmark = pytest.mark.django_db


def said(old: str, new: str) -> dict[str, Change]:
    with translation.override("en"):
        found, complete, readable = changes(old, new, "consultant")
    assert complete and readable
    return {change.path: change for change in found}


def test_changes_are_said_in_words_with_their_values_before_and_after():
    found = said(V1, V2)
    assert found["weights.default.volume"] == Change(CHANGED, "Weight of 销量 (台) (Standard weights)", "35%", "30%",
                                                     "weights.default.volume")
    assert found["pay.volume_award.tiers.1.amount"].what == "Pay rule 全额累进销量奖, tier 2, amount"
    assert (found["pay.volume_award.tiers.1.amount"].before, found["pay.volume_award.tiers.1.amount"].after) == (
        "200", "250")
    assert (found["indicators.follow_up.target"].what, found["indicators.follow_up.target"].before,
            found["indicators.follow_up.target"].after) == ("Indicator A卡/C卡回访达标, target", "a fixed 95%",
                                                            "your own monthly target")
    assert (found["pay.cross_region"].kind, found["pay.cross_region"].what) == (REMOVED, "Pay rule 窜货罚款")
    assert (found["pay.late_delivery"].kind, found["pay.late_delivery"].what) == (ADDED, "Pay rule 交车延误罚款")
    assert (found["limits.0.cap"].what, found["limits.0.cap"].after) == ("Limits, entry 1, cap", "32,000")
    assert set(found) == {"weights.default.volume", "weights.default.high_margin", "pay.volume_award.tiers.1.amount",
                          "indicators.follow_up.target", "pay.cross_region", "pay.late_delivery", "limits.0.cap"}


def test_an_indicator_added_or_removed_is_said_with_its_label():
    removed = V1.replace(KPI, "")
    assert said(V1, removed)["indicators.showroom"] == Change(
        REMOVED, "Indicator 展厅接待与形象 (主管评分)", "", "", "indicators.showroom")
    assert said(removed, V1)["indicators.showroom"].kind == ADDED


def test_other_changes_are_listed_by_their_place():
    found = said(V1, V1.replace("division_by_zero: zero", "division_by_zero: skip"))
    assert found["policies.division_by_zero"] == Change(CHANGED, "Policies, division_by_zero", "zero", "skip",
                                                        "policies.division_by_zero")


def test_layout_and_comments_are_no_change_in_words_but_are_in_the_documents_lines():
    relaid = V1.replace("{from: 3, to: 5, amount: 200}", "{from: 3, to: 5.0, amount: 200.00}  # the second tier")
    assert said(V1, relaid) == {}
    lines = [line for line in side_by_side(V1, relaid) if line.kind == CHANGED]
    assert [(line.old.strip(), line.new.strip()) for line in lines] == [
        ("- {from: 3, to: 5, amount: 200}", "- {from: 3, to: 5.0, amount: 200.00}  # the second tier")]


def test_the_documents_side_by_side_keep_their_line_numbers_around_a_change():
    lines = side_by_side("a\nb\nc\nd\ne\nf\ng\nh\ni\n", "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\n", context=1)
    assert [(line.kind, line.old_number, line.new_number) for line in lines] == [
        ("gap", None, None), ("equal", 4, 4), (CHANGED, 5, 5), ("equal", 6, 6), ("gap", None, None),
        ("equal", 9, 9), (ADDED, None, 10)]


def test_a_document_that_is_not_yaml_is_compared_line_by_line_only():
    comparison = compare(V1, "plan: [", "consultant")
    assert not comparison.readable and comparison.changes == () and comparison.lines


def test_aliases_that_multiply_a_document_are_compared_within_a_bound():
    bomb = "plan: x\nderived:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"  {chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 10)}]\n" for level in range(6))
    found, complete, readable = changes("plan: x\n", bomb, "consultant")
    assert readable and len(found) == 1  # derived was added: said once, not walked through


# --- the pages ---------------------------------------------------------------------------------------------------


@pytest.fixture
def world() -> World:
    """S1's own consultant plan with two versions, and a draft of a third."""
    world = build_world()
    plan = Plan.objects.create(group=world.stores["S1"].region.group, store=world.stores["S1"], code="consultant-s1",
                               name="S1顾问方案", role="consultant")
    publish_version(plan, V1, datetime.date(2026, 1, 1))
    publish_version(plan, V2, datetime.date(2026, 6, 1))
    world.plan = plan  # type: ignore[attr-defined]
    world.draft = workflow.start_draft(plan, world.users["m1"])  # type: ignore[attr-defined]
    workflow.save_draft(world.draft, V2.replace("amount: 250}", "amount: 280}<script>alert(1)</script>"),  # type: ignore[attr-defined]
                        world.draft.effective_from, "")  # type: ignore[attr-defined]
    return world


def diff_page(username: str, world: World, **query: str) -> tuple[int, str]:
    response = signed_in(username).get(reverse("plan-version-diff", args=[world.plan.pk]), query)  # type: ignore[attr-defined]
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(("username", "status"), [
    ("c1", 200), ("m1", 200), ("gm1", 200), ("ho_group", 200),  # read the plan
    ("sup1", 404),  # reads the plans of their own role
    ("c4", 404), ("m2", 404), ("ho_g2", 404), ("nostaff", 404),  # another store's or group's plan
])
def test_versions_are_compared_for_whoever_reads_the_plan(world, username, status):
    code, page = diff_page(username, world)
    assert code == status
    if status == 200:  # by default, the latest version against the one before it
        assert "From v1 from 2026-01 to v2 from 2026-06" in page and "tier 2, amount" in page


@pytest.mark.parametrize(("username", "status"), [("m1", 200), ("gm1", 200), ("hr1", 200), ("c1", 404),
                                                  ("sup1", 404), ("m2", 404)])
def test_a_draft_is_compared_for_those_who_read_drafts(world, username, status):
    draft: PlanDraft = world.draft  # type: ignore[attr-defined]
    code, page = diff_page(username, world, to=f"draft:{draft.pk}", **{"from": "1"})
    assert code == status
    assert signed_in(username).get(reverse("draft-diff", args=[draft.pk])).status_code == status
    if status == 200:
        assert "From v1 from 2026-01 to draft from" in page


def test_a_draft_is_compared_with_the_version_it_started_from_its_markup_shown_as_text(world):
    draft: PlanDraft = world.draft  # type: ignore[attr-defined]
    page = signed_in("m1").get(reverse("draft-diff", args=[draft.pk])).content.decode()
    assert "From v2 from 2026-06 to draft from" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


@pytest.mark.parametrize(("query", "status"), [
    ({"to": "x"}, 400), ({"to": "draft:x"}, 400), ({"from": "²"}, 400), ({"to": "99999999999999999999999"}, 400),
    ({"to": "\x00"}, 400), ({"to": "9"}, 404), ({"to": "draft:999999"}, 404), ({"from": "0"}, 400),
])
def test_a_side_that_is_not_one_is_refused_never_a_server_error(world, query, status):
    assert diff_page("m1", world, **query)[0] == status


def test_the_plan_page_links_each_version_to_its_changes(world):
    page = signed_in("c1").get(reverse("plan-detail", args=[world.plan.pk])).content.decode()  # type: ignore[attr-defined]
    link = f'{reverse("plan-version-diff", args=[world.plan.pk])}?to=2'  # type: ignore[attr-defined]
    assert link in page and "?to=1" not in page  # the first version has none before it
    assert PlanVersion.objects.filter(plan=world.plan).count() == 2  # type: ignore[attr-defined]
