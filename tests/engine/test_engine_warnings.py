"""Warnings: each figure a plan policy stood in for (counted as 0, or its item skipped) is recorded on the person's
result with its kind, the figure, the policy and the item; once; blocking by the plan's `warnings: {block: [...]}`,
a missing target by default."""

from pathlib import Path

import pytest
from engine_helpers import D, plan_from, run

from dealerkpi.plans.engine.cli import main
from dealerkpi.plans.engine.inputs import Rating
from dealerkpi.plans.engine.loader import PlanInvalid
from dealerkpi.plans.engine.trace import Item, Warning
from dealerkpi.plans.engine.validate import check_plan_text


def head(missing_target: str = "skip", missing_value: str = "zero", division_by_zero: str = "zero",
         warnings: str = "") -> str:
    return (f"plan: t\nrole: consultant\npolicies: {{division_by_zero: {division_by_zero}, "
            f"missing_target: {missing_target}, missing_value: {missing_value}}}\n{warnings}")


SCORECARD = """\
indicators:
  volume: {label: 销量, metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
  profit: {label: 毛利, metric: front_gross_profit, target: 30000, scoring: {kind: linear, cap: 120}}
weights:
  default: {volume: 50, profit: 50}
"""
VOLUME = Item("indicator", "volume", "销量")
ACTUALS = {"wang": {"units_delivered": 9, "front_gross_profit": 30000}}


def warnings_of(body: str, targets: dict | None = None, actuals: dict | None = None, **policies: str) -> tuple:
    result = run(plan_from(body, head=head(**policies)), actuals or ACTUALS, targets)["wang"]
    assert not result.error, result.error
    return result.warnings


def test_a_missing_target_skipped_is_a_blocking_warning_on_the_indicator() -> None:
    result = run(plan_from(SCORECARD, head=head()), ACTUALS)["wang"]
    assert result.warnings == (Warning("missing_target", "target.units_delivered", "skip", VOLUME, blocking=True),)
    assert result.blocked and result.total_score == D(100), "the weight went to profit, as before"


def test_a_missing_target_counted_as_zero_warns_of_it_and_of_the_division_by_zero_that_follows() -> None:
    assert warnings_of(SCORECARD, missing_target="zero") == (
        Warning("missing_target", "target.units_delivered", "zero", VOLUME, blocking=True),
        Warning("division_by_zero", "achievement.volume", "zero", VOLUME),
    )


def test_a_target_given_leaves_no_warning() -> None:
    result = run(plan_from(SCORECARD, head=head()), ACTUALS, {"wang": {"units_delivered": 10}})["wang"]
    assert result.warnings == () and not result.blocked


def test_the_error_policy_leaves_an_error_not_a_warning() -> None:
    result = run(plan_from(SCORECARD, head=head(missing_target="error")), ACTUALS)["wang"]
    assert result.error == "target.units_delivered is missing for wang" and result.warnings == ()


@pytest.mark.parametrize(("policy", "score"), [("zero", D(0)), ("skip", None)])
def test_a_missing_rating_follows_the_missing_value_policy(policy: str, score: object) -> None:
    body = SCORECARD.replace("weights:", "  showroom: {label: 展厅, scoring: {kind: manual, max: 10}}\nweights:")
    plan = plan_from(body.replace("{volume: 50, profit: 50}", "{profit: 50, showroom: 50}"),
                     head=head(missing_value=policy))
    result = run(plan, ACTUALS, ratings=(Rating("li", "showroom", D(8)),))["wang"]
    showroom = Item("indicator", "showroom", "展厅")
    assert result.warnings == (Warning("missing_rating", "rating.showroom", policy, showroom),)
    assert result.indicators[1].score == score and not result.blocked


def test_a_missing_value_in_a_derived_value_names_the_derived_value() -> None:
    body = "derived:\n  closing: visit_to_order_rate * 2\n" + SCORECARD
    found = warnings_of(body, {"wang": {"units_delivered": 10}})
    assert found == (Warning("missing_value", "visit_to_order_rate", "zero", Item("derived", "closing", "closing")),)


def test_a_division_by_zero_in_a_pay_rule_names_the_rule_and_the_expression() -> None:
    body = SCORECARD + "pay:\n  share: {label: 分成, kind: formula, amount: 100 * front_gross_profit / units_delivered}"
    found = warnings_of(body, {"wang": {"units_delivered": 10}}, {"wang": {"units_delivered": 0,
                                                                          "front_gross_profit": 30000}})
    expected = Warning("division_by_zero", "100 * front_gross_profit / units_delivered", "zero",
                       Item("pay_rule", "share", "分成"))
    assert found == (expected,)


def test_a_gate_and_a_pay_rule_skipped_each_warn_under_their_own_name() -> None:
    body = SCORECARD + """\
pay:
  above_plan: {label: 超额, kind: formula, amount: units_delivered - target.units_delivered}
gates:
  under_60: {label: 未达60%, when: units_delivered < 0.6 * target.units_delivered, multiply: 0}
"""
    result = run(plan_from(body, head=head()), ACTUALS)["wang"]
    assert [(w.item.kind, w.item.id, w.figure) for w in result.warnings] == [
        ("indicator", "volume", "target.units_delivered"),
        ("pay_rule", "above_plan", "target.units_delivered"),
        ("gate", "under_60", "target.units_delivered"),
    ]
    assert all(w.blocking and w.policy == "skip" for w in result.warnings)
    assert "pay rule above_plan skipped: target.units_delivered is missing for wang" in result.notes


def test_a_figure_read_again_in_the_same_item_warns_once_and_in_another_item_again() -> None:
    body = """\
indicators:
  share:
    label: 占比
    value: units_delivered / target.units_delivered
    target: target.units_delivered / target.units_delivered
    scoring: {kind: linear}
weights:
  default: {share: 100}
pay:
  award: {kind: formula, amount: 10 * target.units_delivered}
"""
    found = warnings_of(body, missing_target="zero", division_by_zero="zero")
    share = Item("indicator", "share", "占比")
    assert found == (
        Warning("missing_target", "target.units_delivered", "zero", share, blocking=True),
        Warning("division_by_zero", "units_delivered / target.units_delivered", "zero", share),
        Warning("division_by_zero", "target.units_delivered / target.units_delivered", "zero", share),
        Warning("division_by_zero", "achievement.share", "zero", share),
        Warning("missing_target", "target.units_delivered", "zero", Item("pay_rule", "award", "award"), blocking=True),
    )


@pytest.mark.parametrize(("block", "blocking"), [
    pytest.param("", {"missing_target"}, id="by-default-a-missing-target-blocks"),
    pytest.param("warnings: {block: [missing_rating, division_by_zero]}\n", {"missing_rating", "division_by_zero"},
                 id="the-plan-names-what-blocks"),
    pytest.param("warnings: {block: []}\n", set(), id="nothing-blocks"),
    pytest.param("warnings: {}\n", {"missing_target"}, id="without-block-the-default"),
])
def test_the_plan_says_which_kinds_block(block: str, blocking: set[str]) -> None:
    body = SCORECARD.replace("weights:", "  showroom: {scoring: {kind: manual, max: 10}}\nweights:")
    plan = plan_from(body.replace("{volume: 50, profit: 50}", "{volume: 40, profit: 40, showroom: 20}"),
                     head=head(missing_target="zero", warnings=block))
    result = run(plan, ACTUALS)["wang"]
    assert {w.kind for w in result.warnings} == {"missing_target", "division_by_zero", "missing_rating"}
    assert {w.kind for w in result.warnings if w.blocking} == blocking
    assert result.blocked == bool(blocking)


@pytest.mark.parametrize(("warnings", "expected"), [
    pytest.param("warnings: {block: [missing_targets]}\n", "4:19: warnings block: 'missing_targets' is not a kind "
                 "of warning; one of missing_target, missing_value, missing_rating, division_by_zero, "
                 "below_minimum_wage, missing_minimum_wage", id="an-unknown-kind"),
    pytest.param("warnings: {block: [missing_value, missing_value]}\n",
                 "4:19: warnings block: missing_value is listed more than once", id="a-kind-twice"),
    pytest.param("warnings: {blocks: [missing_value]}\n", "4:12: unknown key 'blocks'; expected one of block",
                 id="a-misspelt-key"),
    pytest.param("warnings: {block: {missing_value: 1}}\n", "4:19: block must be a name or a list of names",
                 id="not-a-list"),
    pytest.param("warnings: [missing_value]\n", "4:11: warnings must be a mapping of keys to values",
                 id="not-a-mapping"),
])
def test_the_warnings_key_is_checked(warnings: str, expected: str) -> None:
    with pytest.raises(PlanInvalid) as caught:
        check_plan_text(head(warnings=warnings) + SCORECARD)
    assert expected in [str(error) for error in caught.value.errors]


def test_a_single_kind_may_be_named_without_a_list() -> None:
    plan = check_plan_text(head(warnings="warnings: {block: missing_value}\n") + SCORECARD)
    assert plan.warnings.block == ("missing_value",)


def test_the_cli_prints_each_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(head() + SCORECARD, encoding="utf-8")
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("person,name,team,units_delivered,front_gross_profit\nwang,王磊,A,9,30000\n", encoding="utf-8")
    assert main(["plan", "evaluate", str(plan), "--actuals", str(actuals), "--period", "2025-03"]) == 0
    assert ("warning: indicator volume: target.units_delivered is missing; left out (missing_target, policy skip); "
            "blocks submission") in capsys.readouterr().out
