"""Plan documents: every structural and semantic error names its line and column."""

from pathlib import Path

import pytest
from engine_helpers import HEAD

from dealerkpi.plans.engine.loader import PlanInvalid, load_plan, load_plan_text
from dealerkpi.plans.engine.schema import DealTiers, Linear
from dealerkpi.plans.engine.validate import check_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"

INDICATOR = """\
indicators:
  volume:
    metric: units_delivered
    target: person
    scoring: {kind: linear}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(PlanInvalid) as caught:
        check_plan(load_plan_text(text))
    return [str(error) for error in caught.value.errors]


@pytest.mark.parametrize("name", ["consultant.yaml", "supervisor.yaml", "sales_manager.yaml"])
def test_example_plans_are_valid(name):
    plan = check_plan(load_plan(EXAMPLES / name))
    assert plan.indicators and plan.weight_sets


@pytest.mark.parametrize(("body", "expected"), [
    pytest.param(INDICATOR + "weights:\n  default: {volume: 90}\n", "12:3: weights default sum to 90, not 100",
                 id="weights-must-sum-to-100"),
    pytest.param(INDICATOR + "weights:\n  default: {volume: 100}\n  maturity: {volume: 60, ghost: 40}\n",
                 "13:26: weights maturity: unknown indicator 'ghost'", id="weight-of-an-unknown-indicator"),
    pytest.param(INDICATOR.replace("units_delivered", "units_sold"), "7:3: indicator volume: unknown metric",
                 id="unknown-metric"),
    pytest.param(INDICATOR.replace("units_delivered", "units_by_margin_class:premium"),
                 "units_by_margin_class takes one of high, normal, low", id="bad-margin-class"),
    pytest.param(INDICATOR + "gates:\n  g: {when: score.volme < 60, multiply: 0}\n",
                 "12:13: gate g: 'score.volme' refers to unknown indicator 'volme'", id="unknown-indicator-reference"),
    pytest.param(INDICATOR + "gates:\n  g: {when: team.sum.test_drive_rate > 60, multiply: 0}\n",
                 "12:13: gate g: 'team.sum.test_drive_rate' sums test_drive_rate, a percent figure",
                 id="rates-cannot-be-summed-over-a-team"),
    pytest.param(INDICATOR + "derived:\n  a: b * 2\n  b: score.volume + a\n",
                 "cycle between derived values and indicators: derived a -> derived b -> derived a",
                 id="cycle-between-derived-values"),
    pytest.param(INDICATOR.replace("target: person", "target: cap_value") + "derived:\n  cap_value: total_score\n",
                 "derived cap_value -> total_score -> indicator volume -> derived cap_value",
                 id="cycle-through-the-total-score"),
    pytest.param(INDICATOR + "bonus:\n  base: 1000\n  coefficients:\n    - {to: 60, coefficient: 0}\n"
                 "    - {from: 70, coefficient: 1}\n", "15:7: bonus coefficients: gap between 60 and 70",
                 id="tiers-leaving-a-gap"),
    pytest.param(INDICATOR + "bonus:\n  base: 1000\n  coefficients:\n    - {to: 80, coefficient: 0}\n"
                 "    - {from: 70, coefficient: 1}\n", "15:7: bonus coefficients: band from 70 overlaps",
                 id="tiers-overlapping"),
    pytest.param(INDICATOR + "pay:\n  t:\n    kind: tiers\n    tiers:\n      - {from: 1, to: 3, amount: 0}\n"
                 "      - {from: 3, amount: 500}\n", "15:9: pay t tiers: the first band must start at from: 0",
                 id="cumulative-tiers-start-at-zero"),
    pytest.param(INDICATOR + "pay:\n  t:\n    kind: tiers\n    tiers:\n      - {from: 0, to: 3, amount: 0}\n",
                 "15:9: pay t tiers: the last band must have no end", id="cumulative-tiers-have-no-end"),
    pytest.param(INDICATOR + "pay:\n  t: {kind: per_unit, basis: new_leads, amount: 5}\n",
                 "12:3: pay t: basis 'new_leads' is not a deal figure", id="pay-basis-must-be-a-deal-figure"),
    pytest.param(INDICATOR + "base_pay:\n  - {amount: 1200}\n  - {when: total_score >= 80, amount: 1500}\n",
                 "the last base_pay entry must have no 'when'", id="base-pay-default-comes-last"),
    pytest.param(INDICATOR + "gates:\n  g: {when: 1, multiply: 0, applies_to: [bonuses]}\n",
                 "12:3: gate g: applies_to 'bonuses' is neither a category", id="gate-on-an-unknown-category"),
    pytest.param(INDICATOR.replace("metric: units_delivered", "metric: test_drive_rate\n    scope: team"),
                 "scope: team needs an additive metric", id="team-scope-needs-an-additive-metric"),
    pytest.param(INDICATOR.replace("    target: person\n", ""), "7:3: indicator volume: this scoring needs a target",
                 id="linear-scoring-needs-a-target"),
])
def test_semantic_errors_name_line_and_column(body, expected):
    found = errors_of(HEAD + body)
    assert any(expected in error for error in found), found


@pytest.mark.parametrize(("body", "expected"), [
    pytest.param(INDICATOR, "5:30: division_by_zero: 'maybe' is not one of zero, skip, error",
                 id="bad-policy-value"),
    pytest.param(INDICATOR.replace("linear", "curved"), "10:21: kind: 'curved' is not one of linear, steps",
                 id="bad-scoring-kind"),
    pytest.param(INDICATOR.replace("    target: person\n", "    targt: person\n"), "9:5: unknown key 'targt'",
                 id="misspelt-key"),
    pytest.param(INDICATOR + 'derived:\n  a: "units_delivered * (2 + "\n', "12:30: derived a: expected a number",
                 id="expression-syntax-error-column-inside-the-quotes"),
    pytest.param(INDICATOR + "derived:\n  a: units_delivered +* 2\n", "12:23: derived a: expected a number",
                 id="expression-syntax-error-column-plain"),
    pytest.param("indicators:\n  a: {metric: x\n", "not valid YAML", id="yaml-syntax-error"),
    pytest.param(INDICATOR + "  volume:\n    metric: new_leads\n", "duplicate", id="duplicate-indicator"),
])
def test_structural_errors_name_line_and_column(body, expected):
    head = HEAD.replace("division_by_zero: error", "division_by_zero: maybe") if "maybe" in expected else HEAD
    found = errors_of(head + body)
    assert any(expected in error for error in found), found


def test_numbers_are_read_as_exact_decimals():
    plan = check_plan(load_plan_text(HEAD + INDICATOR.replace("{kind: linear}", "{kind: linear, floor: 0.1}")))
    assert isinstance(plan.indicators[0].scoring, Linear)
    assert str(plan.indicators[0].scoring.floor) == "0.1"


def test_all_errors_are_reported_at_once_with_the_file_name(tmp_path):
    path = tmp_path / "plan.yaml"
    gate = "gates:\n  g: {when: ghost > 1, multiply: 0}\n"
    path.write_text(HEAD + INDICATOR + "weights:\n  default: {volume: 90}\n" + gate, encoding="utf-8")
    with pytest.raises(PlanInvalid) as caught:
        check_plan(load_plan(path), source=str(path))
    assert str(caught.value).splitlines() == [
        f"{path}:12:3: weights default sum to 90, not 100",
        f"{path}:14:13: gate g: unknown metric 'ghost' in 'ghost'",
    ]


def test_attainment_tiers_default_to_the_persons_target():
    plan = check_plan(load_plan_text(HEAD + INDICATOR + "pay:\n  t:\n    kind: tiers\n    on: attainment\n"
                                     "    tiers:\n      - {from: 0, amount: 100}\n"))
    spec = plan.pay_rules[0].spec
    assert isinstance(spec, DealTiers) and spec.target is not None
    assert spec.target.source == "target.units_delivered"


def test_a_document_read_again_is_not_parsed_again():
    """A plan's text is read once: the same text gives the same plan object (the plans are immutable), another text
    its own, and a broken text keeps its errors."""
    text = (EXAMPLES / "consultant.yaml").read_text(encoding="utf-8")
    first = load_plan_text(text)
    assert load_plan_text(text) is first
    assert load_plan_text(text + "\n# another version\n") is not first
    assert errors_of(INDICATOR + "weights:\n  default: {volume: 90}\n") == errors_of(
        INDICATOR + "weights:\n  default: {volume: 90}\n")
