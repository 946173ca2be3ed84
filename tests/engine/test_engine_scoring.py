"""Scoring rules one by one, and the properties every score keeps."""

from decimal import Decimal

import pytest
from engine_helpers import D, plan_from, run
from hypothesis import given
from hypothesis import strategies as st

from dealerkpi.plans.engine.inputs import Rating
from dealerkpi.plans.engine.loader import PlanInvalid
from dealerkpi.plans.engine.schema import Deductions, Linear
from dealerkpi.plans.engine.scoring import deduction_score, linear_score


def score_of(scoring: str, actual: str, target: str | None = "10", metric: str = "units_delivered",
             direction: str = "higher") -> Decimal | None:
    target_line = f"    target: {target}\n" if target else ""
    plan = plan_from(f"indicators:\n  i:\n    metric: {metric}\n    direction: {direction}\n{target_line}"
                     f"    scoring: {scoring}\nweights:\n  default: {{i: 100}}\n")
    result = run(plan, {"wang": {metric: actual}})["wang"]
    assert not result.error, result.error
    return result.indicators[0].score


@pytest.mark.parametrize(("actual", "expected"), [
    pytest.param("5.99", "0", id="below-the-60-floor-scores-0"),
    pytest.param("6", "60", id="at-the-floor-scores-the-achievement"),
    pytest.param("9.5", "95", id="between-floor-and-cap"),
    pytest.param("13", "120", id="above-the-cap-is-capped"),
])
def test_linear_with_floor_and_cap(actual, expected):
    assert score_of("{kind: linear, floor: 60, cap: 120}", actual) == D(expected)


@pytest.mark.parametrize(("actual", "expected"), [
    pytest.param("8", "120", id="lower-is-better-under-target-scores-above-100"),
    pytest.param("10", "100", id="lower-is-better-on-target-scores-100"),
    pytest.param("12", "80", id="lower-is-better-over-target-scores-below-100"),
    pytest.param("25", "0", id="lower-is-better-far-over-target-scores-0-not-negative"),
])
def test_linear_lower_is_better(actual, expected):
    assert score_of("{kind: linear, cap: 150}", actual, metric="lost_sale_rate", direction="lower") == D(expected)


INSURANCE_STEPS = ("{kind: steps, on: actual, bands: [{to: 70, score: 0}, {from: 70, to: 80, score: 60}, "
                   "{from: 80, to: 90, score: 85}, {from: 90, score: 100}]}")


@pytest.mark.parametrize(("actual", "expected"), [
    pytest.param("69.99", "0", id="just-below-a-band"),
    pytest.param("70", "60", id="band-includes-its-from"),
    pytest.param("89.99", "85", id="band-excludes-its-to"),
    pytest.param("100", "100", id="open-last-band"),
])
def test_step_table_on_the_actual(actual, expected):
    assert score_of(INSURANCE_STEPS, actual, target=None, metric="insurance_penetration") == D(expected)


def test_step_table_on_achievement():
    steps = "{kind: steps, bands: [{to: 80, score: 0}, {from: 80, to: 100, score: 80}, {from: 100, score: 100}]}"
    assert score_of(steps, "9") == D(80)
    assert score_of(steps, "7.9") == D(0)


@pytest.mark.parametrize(("actual", "expected"), [
    pytest.param("95", "100", id="target-met-passes"),
    pytest.param("94.9", "0", id="target-missed-fails"),
])
def test_pass_fail_against_the_target(actual, expected):
    assert score_of("{kind: pass_fail}", actual, target="95", metric="follow_up_compliance") == D(expected)


def test_pass_fail_with_a_condition_and_own_scores():
    scoring = "{kind: pass_fail, when: 'major_complaints == 0', pass: 100, fail: 40}"
    assert score_of(scoring, "0", target=None, metric="major_complaints") == D(100)
    assert score_of(scoring, "1", target=None, metric="major_complaints") == D(40)


@pytest.mark.parametrize(("incidents", "expected"), [
    pytest.param("0", "100", id="no-incident-full-score"),
    pytest.param("1", "75", id="one-incident-deducted"),
    pytest.param("3", "40", id="floor-holds-after-many-incidents"),
])
def test_deductions_per_incident_from_100(incidents, expected):
    scoring = "{kind: deductions, per_incident: 25, floor: 40}"
    assert score_of(scoring, incidents, target=None, metric="complaints", direction="lower") == D(expected)


MANUAL = "indicators:\n  showroom:\n    scoring: {kind: manual, max: 10}\nweights:\n  default: {showroom: 100}\n"


def test_manual_rating_carries_its_comment_into_the_trace():
    rating = Rating("wang", "showroom", D("8.5"), "展车整洁, 接待规范", "张主管")
    result = run(plan_from(MANUAL), {"wang": {}}, ratings=(rating,))["wang"]
    indicator = result.indicators[0]
    assert (indicator.actual, indicator.score, result.total_score) == (D("8.5"), D(85), D(85))
    assert indicator.note == "展车整洁, 接待规范 (张主管)"


def test_manual_rating_outside_its_scale_is_an_error():
    result = run(plan_from(MANUAL), {"wang": {}}, ratings=(Rating("wang", "showroom", D(11)),))["wang"]
    assert "rating of wang for showroom is 11, outside 0 to 10" in result.error


def test_missing_manual_rating_follows_the_missing_value_policy():
    result = run(plan_from(MANUAL), {"wang": {}})["wang"]
    assert result.error == "no rating of showroom for wang"


def test_a_person_nobody_rated_gets_the_plans_default_rating():
    plan = plan_from(MANUAL.replace("max: 10}", "max: 10, default: 8}"))
    rated = Rating("li", "showroom", D(6), "迟到两次", "张主管")
    results = run(plan, {"wang": {}, "li": {}}, ratings=(rated,))
    assert (results["wang"].indicators[0].score, results["wang"].indicators[0].note) == (
        D(80), "not rated: the plan's default rating")
    assert results["li"].indicators[0].score == D(60), "a rating given wins over the default"


def test_a_default_rating_outside_the_scale_is_refused():
    with pytest.raises(PlanInvalid, match="default rating 12 is outside 0 to 10"):
        plan_from(MANUAL.replace("max: 10}", "max: 10, default: 12}"))


WEIGHTED = """\
indicators:
  volume: {metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
  profit: {metric: front_gross_profit, target: person, scoring: {kind: linear, cap: 120}}
weights:
  default: {volume: 70, profit: 30}
"""


@pytest.mark.parametrize(("policy", "expected_total", "expected_error"), [
    pytest.param("skip", D(90), "", id="skip-shares-the-weight-of-the-skipped-indicator"),
    pytest.param("error", None, "target.front_gross_profit is missing for wang", id="error-names-the-figure"),
])
def test_missing_target_policy(policy, expected_total, expected_error):
    head_policy = f"policies: {{division_by_zero: zero, missing_target: {policy}, missing_value: error}}\n"
    plan = plan_from(WEIGHTED, head="plan: t\nrole: consultant\n" + head_policy)
    result = run(plan, {"wang": {"units_delivered": 9, "front_gross_profit": 30000}},
                 {"wang": {"units_delivered": 10}})["wang"]
    assert result.total_score == expected_total
    assert result.error == expected_error
    if policy == "skip":
        profit = result.indicators[1]
        assert profit.skipped and "target.front_gross_profit is missing" in profit.note
        assert result.indicators[0].weighted_score == D(90)


def test_division_by_zero_policy_zero_scores_a_zero_target_as_zero():
    plan = plan_from(WEIGHTED, head="plan: t\nrole: consultant\npolicies: {division_by_zero: zero}\n")
    result = run(plan, {"wang": {"units_delivered": 9, "front_gross_profit": 30000}},
                 {"wang": {"units_delivered": 10, "front_gross_profit": 0}})["wang"]
    assert result.indicators[1].achievement == D(0)
    assert result.total_score == D(63)  # 90 x 70%, and 0 x 30%


# --- properties ----------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=1_000_000, places=2)
percents = st.decimals(min_value=0, max_value=200, places=2)


@given(actual=amounts, more=amounts, target=st.decimals(min_value="0.01", max_value=1_000_000, places=2),
       floor=percents, cap=st.decimals(min_value=1, max_value=200, places=2))
def test_higher_is_better_score_never_falls_when_the_actual_rises(actual, more, target, floor, cap):
    plan = plan_from(f"indicators:\n  i: {{metric: sales_amount, target: {target}, scoring: {{kind: linear, "
                     f"floor: {floor}, cap: {cap}}}}}\nweights:\n  default: {{i: 100}}\n")
    lower = run(plan, {"wang": {"sales_amount": str(actual)}})["wang"].indicators[0].score
    higher = run(plan, {"wang": {"sales_amount": str(actual + more)}})["wang"].indicators[0].score
    assert higher >= lower


@given(achieved=st.decimals(min_value=-500, max_value=500, places=4), floor=percents,
       cap=st.decimals(min_value=1, max_value=200, places=2))
def test_linear_score_stays_between_zero_and_the_cap(achieved, floor, cap):
    score = linear_score(Linear(floor, cap), achieved)
    assert Decimal(0) <= score <= cap
    assert score == 0 or achieved >= floor


@given(incidents=st.integers(min_value=0, max_value=1000), per_incident=st.decimals(min_value=1, max_value=50),
       floor=st.decimals(min_value=0, max_value=100))
def test_deductions_stay_between_the_floor_and_100(incidents, per_incident, floor):
    score = deduction_score(Deductions(per_incident, floor), Decimal(incidents))
    assert floor <= score <= 100
