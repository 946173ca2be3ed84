"""Weight sets per lifecycle stage without a mandatory default set; only the indicators the chosen set weights
(and those something computed refers to) are computed and required."""

from engine_helpers import D, plan_from, run

STAGED = """\
indicators:
  new_customers: {metric: new_leads, target: person, scoring: {kind: linear, cap: 120}}
  distribution: {metric: new_model_distribution, target: 80, scoring: {kind: linear}}
  volume: {metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
  profit: {metric: front_gross_profit, target: person, scoring: {kind: linear, cap: 120}}
weights:
  introduction: {new_customers: 50, distribution: 50}
  maturity: {volume: 60, profit: 40}
"""


def test_a_plan_may_weight_some_stages_and_no_default():
    plan = plan_from(STAGED)  # no default set, no growth or run_out set: valid
    maturity = run(plan, {"wang": {"units_delivered": 8, "front_gross_profit": 30000}},
                   {"wang": {"units_delivered": 10, "front_gross_profit": 30000}}, stage="maturity")["wang"]
    assert maturity.error == ""
    assert maturity.total_score == D(88)  # 80 x 60% + 100 x 40%
    assert [indicator.id for indicator in maturity.indicators] == ["volume", "profit"]


def test_indicators_the_stage_does_not_weight_need_no_figures():
    plan = plan_from(STAGED)  # the policies are `error`: a missing figure of a computed indicator stops the person
    introduction = run(plan, {"wang": {"new_leads": 30, "new_model_distribution": 60}}, {"wang": {"new_leads": 30}},
                       stage="introduction")["wang"]
    assert introduction.error == ""
    assert introduction.total_score == D("87.5")  # 100 x 50% + 75 x 50%
    assert run(plan, {"wang": {}}, stage="maturity")["wang"].error == "units_delivered is missing for wang"


def test_an_indicator_a_gate_refers_to_is_computed_though_unweighted():
    plan = plan_from(STAGED + "gates:\n  g: {when: achievement.distribution < 50, multiply: 0}\n")
    result = run(plan, {"wang": {"units_delivered": 10, "front_gross_profit": 1, "new_model_distribution": 20}},
                 {"wang": {"units_delivered": 10, "front_gross_profit": 1}}, stage="maturity")["wang"]
    assert [(i.id, i.weight) for i in result.indicators] == [("distribution", 0), ("volume", 60), ("profit", 40)]
    assert result.gates[0].held


def test_a_stage_the_plan_does_not_weight_is_the_persons_error_naming_the_sets():
    result = run(plan_from(STAGED), {"wang": {}}, stage="growth")["wang"]
    assert result.error == "no weight set for stage 'growth' and no default set (the plan weights introduction, " \
                           "maturity)"
