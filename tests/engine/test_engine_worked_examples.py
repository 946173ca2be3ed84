"""The source's worked examples, as car-dealer plans, with expectations computed by hand."""

import pytest
from engine_helpers import D, deal, line_amounts, plan_from, run

from dealerkpi.plans.engine.catalogue import Metric, catalogue
from dealerkpi.plans.engine.figures import attrition_rate
from dealerkpi.plans.engine.inputs import Rating

PRODUCT_MIX = """\
indicators:
  volume: {metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
  high_margin: {metric: 'units_by_margin_class:high', target: person, scoring: {kind: linear, cap: 120}}
weights:
  default: {volume: 80, high_margin: 20}
bonus:
  base: 2000
  coefficients: [{from: 0, coefficient: 1}]
gates:
  product_mix:
    label: total or high-margin target missed
    when: achievement.volume < 100 or achievement.high_margin < 100
    multiply: 0.8
    applies_to: [bonus]
"""
MIX_TARGETS = {"units_delivered": 10, "units_by_margin_class:high": 2, "units_by_margin_class:normal": 6,
               "units_by_margin_class:low": 2}


@pytest.mark.parametrize(("total", "high", "bonus"), [
    pytest.param(12, 1, 1600, id="beer-trap-volume-beaten-with-fighter-models-still-less-than-full-bonus"),
    pytest.param(9, 3, 1600, id="high-margin-met-but-total-missed-less-than-full-bonus"),
    pytest.param(10, 2, 2000, id="both-met-full-bonus"),
    pytest.param(12, 2, 2000, id="volume-beaten-and-high-margin-met-full-bonus"),
])
def test_product_mix_gate(total, high, bonus):
    actuals = {"units_delivered": total, "units_by_margin_class:high": high}
    result = run(plan_from(PRODUCT_MIX), {"wang": actuals}, {"wang": MIX_TARGETS})["wang"]
    assert result.total == D(bonus)
    assert line_amounts(result)["bonus"] == D(2000)  # the gate is its own line, the bonus stays readable


PROFIT_THRESHOLD = """\
pay:
  profit_share:
    kind: percent
    basis: front_gross_profit
    above: target.front_gross_profit
    percent: 10
"""


def test_profit_threshold_floor_price_closer_earns_nothing_despite_volume():
    deals = tuple(deal(f"D{n}", f"2025-03-{n:02d}", front_gross_profit=0) for n in range(1, 11))
    result = run(plan_from(PROFIT_THRESHOLD), {"wang": {}}, {"wang": {"front_gross_profit": 20000}}, deals=deals)
    assert result["wang"].total == D(0)


def test_profit_threshold_pays_only_the_profit_above_and_names_the_deal_that_earned_it():
    deals = (deal("D1", "2025-03-03", front_gross_profit=8000), deal("D2", "2025-03-09", front_gross_profit=9000),
             deal("D3", "2025-03-20", front_gross_profit=7000))
    result = run(plan_from(PROFIT_THRESHOLD), {"wang": {}}, {"wang": {"front_gross_profit": 20000}}, deals=deals)
    line = result["wang"].lines[0]
    assert line.amount == D(400)  # 24,000 - 20,000 = 4,000 at 10%
    assert [(share.deal, share.amount) for share in line.deals] == [("D1", 0), ("D2", 0), ("D3", 400)]
    assert line.values["threshold"] == D(20000)


def test_scorecard_60_10_10_10_10():
    metrics = catalogue([Metric("active_customers", "count", "Customers with a deal or a paid service visit.")])
    plan = plan_from("""\
        indicators:
          volume: {metric: units_delivered, target: person, scoring: {kind: linear}}
          presentation: {metric: presentation_score, target: 100, scoring: {kind: linear}}
          new_model: {metric: 'units_by_model:Q6', target: person, scoring: {kind: linear}}
          active_customers: {metric: active_customers, target: person, scoring: {kind: linear}}
          product_line: {metric: 'units_by_model:XLCH', target: person, scoring: {kind: linear}}
        weights:
          default: {volume: 60, presentation: 10, new_model: 10, active_customers: 10, product_line: 10}
        """, metrics=metrics)
    actuals = {"units_delivered": 9, "presentation_score": 85, "units_by_model:Q6": 3, "active_customers": 12,
               "units_by_model:XLCH": 5}
    targets = {"units_delivered": 10, "units_by_model:Q6": 4, "active_customers": 10, "units_by_model:XLCH": 5}
    result = run(plan, {"wang": actuals}, {"wang": targets}, metrics=metrics)["wang"]
    assert [indicator.weighted_score for indicator in result.indicators] == [54, D("8.5"), D("7.5"), 10, 10]
    assert result.total_score == D(90)  # 90 x 60% + 85 x 10% + 75 x 10% + 100 (capped) x 10% + 100 x 10%


STAGES = """\
indicators:
  new_customers: {metric: new_leads, target: person, scoring: {kind: linear, cap: 120}}
  distribution: {metric: new_model_distribution, target: 100, scoring: {kind: linear, cap: 120}}
  presentation: {metric: presentation_score, target: 100, scoring: {kind: linear, cap: 120}}
  volume: {metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
  profit: {metric: front_gross_profit, target: person, scoring: {kind: linear, cap: 120}}
  market: {metric: market_share, target: person, scoring: {kind: linear, cap: 120}}
  channel: {metric: cross_region_sales, direction: lower, scoring: {kind: deductions, per_incident: 50}}
weights:
  introduction: {new_customers: 30, distribution: 30, presentation: 20, volume: 20}
  maturity: {volume: 50, profit: 30, market: 10, channel: 10}
  default: {volume: 50, profit: 30, market: 10, channel: 10}
"""
STAGE_ACTUALS = {"new_leads": 44, "new_model_distribution": 90, "presentation_score": 80, "units_delivered": 7,
                 "front_gross_profit": 50000, "market_share": "11.4", "cross_region_sales": 0}
STAGE_TARGETS = {"new_leads": 40, "units_delivered": 10, "front_gross_profit": 50000, "market_share": 12}


@pytest.mark.parametrize(("stage", "total"), [
    pytest.param("introduction", "90", id="introduction-weights-new-customers-and-distribution"),
    pytest.param("maturity", "84.5", id="maturity-weights-volume-and-profit"),
    pytest.param("growth", "84.5", id="a-stage-without-its-own-set-uses-the-default"),
])
def test_lifecycle_stage_weight_sets(stage, total):
    result = run(plan_from(STAGES), {"wang": STAGE_ACTUALS}, {"wang": STAGE_TARGETS}, stage=stage)["wang"]
    # introduction: 110 x 30% + 90 x 30% + 80 x 20% + 70 x 20% = 33 + 27 + 16 + 14
    # maturity: 70 x 50% + 100 x 30% + 95 x 10% + 100 x 10% = 35 + 30 + 9.5 + 10
    assert result.total_score == D(total)
    assert result.weight_set == ("introduction" if stage == "introduction" else
                                 "maturity" if stage == "maturity" else "default")


ATTRITION = """\
pay:
  annual_bonus: {kind: formula, every: year, amount: 12000, category: annual_bonus}
gates:
  attrition_ceiling:
    label: team attrition above 10% a year
    when: team_attrition_rate > 10
    multiply: 0.5
    applies_to: [annual_bonus]
"""


@pytest.mark.parametrize(("leavers", "headcounts", "bonus"), [
    pytest.param(2, [16] * 12, 6000, id="2-leavers-of-16-is-12.5-percent-bonus-halved"),
    pytest.param(1, [16] * 12, 12000, id="1-leaver-of-16-is-6.25-percent-full-bonus"),
    pytest.param(2, [18] * 6 + [22] * 6, 12000, id="exactly-10-percent-is-not-above-the-ceiling"),
])
def test_attrition_ceiling_on_the_annual_bonus(leavers, headcounts, bonus):
    rate = attrition_rate(D(leavers), [D(count) for count in headcounts])
    result = run(plan_from(ATTRITION, head="plan: r\nrole: sales_manager\n"),
                 {"manager": {"team_attrition_rate": str(rate)}}, period="2025-12")["manager"]
    assert result.total == D(bonus)


def test_attrition_ceiling_is_not_paid_outside_december():
    result = run(plan_from(ATTRITION, head="plan: r\nrole: sales_manager\n"), {"manager": {"team_attrition_rate": 5}},
                 period="2025-11")["manager"]
    assert result.lines == ()


def test_manual_rating_in_a_worked_scorecard_keeps_the_supervisors_words():
    plan = plan_from("indicators:\n  presentation: {scoring: {kind: manual}}\n"
                     "weights:\n  default: {presentation: 100}\n")
    result = run(plan, {"wang": {}}, ratings=(Rating("wang", "presentation", D(90), "展车整洁", "刘主管"),))["wang"]
    assert (result.total_score, result.indicators[0].note) == (D(90), "展车整洁 (刘主管)")
