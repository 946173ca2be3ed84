"""Gates that multiply by an expression, e.g. a team that missed its target pays by the team's completion."""

import pytest
from engine_helpers import HEAD, D, deal, line_amounts, plan_from, run

from dealerkpi.plans.engine.loader import PlanInvalid, load_plan_text
from dealerkpi.plans.engine.validate import check_plan, plan_expressions

TEAM_RULE = """\
derived:
  team_completion: team.sum.units_delivered / team.target.units_delivered
pay:
  unit_award: {kind: per_unit, amount: 300}
gates:
  team_missed:
    label: 团队未达标, 按团队完成率发放
    when: team_completion < 1
    multiply: team_completion
    applies_to: [commission]
"""


def test_a_gate_multiplies_by_the_teams_completion():
    deals = tuple(deal(f"D{n}", "2025-03-03") for n in range(4))
    results = run(plan_from(TEAM_RULE), {"wang": {"units_delivered": 4}, "li": {"units_delivered": 2}},
                  {"wang": {"units_delivered": 4}, "li": {"units_delivered": 4}}, deals=deals)
    wang = results["wang"]
    assert line_amounts(wang) == {"unit_award": D(1200), "gate:team_missed": D(-300)}  # x 6/8
    gate_line = wang.lines[1]
    assert gate_line.label == "团队未达标, 按团队完成率发放 (x team_completion = 0.75)"
    assert gate_line.wording.args["factor"] == "team_completion = 0.75"
    assert (wang.gates[0].held, wang.gates[0].factor) == (True, D("0.75"))
    assert wang.gates[0].inputs == {"team_completion": D("0.75")}


def test_a_gate_that_does_not_hold_does_not_compute_its_multiplier():
    results = run(plan_from(TEAM_RULE.replace("team_completion < 1", "units_delivered < 0")),
                  {"wang": {"units_delivered": 4}}, {"wang": {"units_delivered": 4}})
    assert (results["wang"].gates[0].held, results["wang"].gates[0].factor) == (False, None)


def test_a_multiplier_below_0_is_the_persons_error():
    plan = plan_from(TEAM_RULE.replace("multiply: team_completion", "multiply: team_completion - 1"))
    result = run(plan, {"wang": {"units_delivered": 2}}, {"wang": {"units_delivered": 4}})["wang"]
    assert "gate team_missed: multiply team_completion - 1 is -0.5" in result.error


def test_the_multipliers_metrics_are_named_among_the_plans_expressions():
    assert ("gate team_missed", "team_completion") in [(where, str(found)) for where, found in
                                                       plan_expressions(plan_from(TEAM_RULE))]


def test_a_constant_negative_multiplier_is_refused_by_the_check():
    with pytest.raises(PlanInvalid, match="gate g: multiply must not be negative"):
        check_plan(load_plan_text(HEAD + "gates:\n  g: {when: 1, multiply: -0.5}\n"))
