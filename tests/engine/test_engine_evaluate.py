"""A period evaluated end to end: base pay, bonus, gates, caps and floors, draws, clawbacks, team figures,
coefficients, quarterly and annual bonuses, and the rounding of the lines."""

from decimal import Decimal

import pytest
from engine_helpers import D, deal, line_amounts, plan_from, run
from hypothesis import given, settings
from hypothesis import strategies as st

from dealerkpi.core.money import fen
from dealerkpi.plans.engine.evaluate import evaluate_period
from dealerkpi.plans.engine.inputs import Actuals, History, MonthRecord, Period, PeriodInputs, Person, Target
from dealerkpi.plans.engine.policy import EvaluationError

SCORECARD = """\
indicators:
  volume: {metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
weights:
  default: {volume: 100}
bonus:
  base: 2000
  coefficients:
    - {to: 60, coefficient: 0}
    - {from: 60, to: 80, coefficient: 0.6}
    - {from: 80, to: 100, coefficient: 1}
    - {from: 100, coefficient: 1.2}
base_pay:
  - {when: total_score >= 80, amount: 1500}
  - {amount: 1200}
"""


@pytest.mark.parametrize(("units", "base_pay", "bonus"), [
    pytest.param("7.9", 1200, 1200, id="score-79-base-1200-coefficient-0.6"),
    pytest.param("8", 1500, 2000, id="score-exactly-80-base-1500-coefficient-1"),
    pytest.param("11", 1500, 2400, id="score-110-coefficient-1.2"),
    pytest.param("5", 1200, 0, id="score-50-no-bonus"),
])
def test_base_pay_and_bonus_follow_the_score(units, base_pay, bonus):
    result = run(plan_from(SCORECARD), {"wang": {"units_delivered": units}}, {"wang": {"units_delivered": 10}})["wang"]
    assert line_amounts(result) == {"base_pay": D(base_pay), "bonus": D(bonus)}
    assert result.total == D(base_pay + bonus)


GATED = """\
pay:
  unit_award: {kind: per_unit, amount: 300}
  insurance: {kind: percent, basis: insurance_premium, percent: 2}
gates:
  under_60:
    label: under 60% of the unit target
    when: units_delivered < 0.6 * target.units_delivered
    multiply: 0
    applies_to: [commission]
  share_fell:
    label: market share fell
    when: market_share_change < 0
    multiply: 0.5
    applies_to: [insurance]
"""


@pytest.mark.parametrize(("units", "share_change", "expected"), [
    pytest.param(6, "0.5", {"unit_award": 1800, "insurance": 600}, id="exactly-60-percent-is-not-under-60"),
    pytest.param(5, "0.5", {"unit_award": 1500, "insurance": 500, "gate:under_60": -2000},
                 id="under-60-percent-zeroes-every-commission"),
    pytest.param(6, "-0.1", {"unit_award": 1800, "insurance": 600, "gate:share_fell": -300},
                 id="market-share-fell-halves-only-the-named-rule"),
])
def test_gates_multiply_or_zero_what_they_apply_to(units, share_change, expected):
    deals = tuple(deal(f"D{n}", f"2025-03-{n:02d}", insurance_premium=5000) for n in range(1, units + 1))
    result = run(plan_from(GATED), {"wang": {"units_delivered": units, "market_share_change": share_change}},
                 {"wang": {"units_delivered": 10}}, deals=deals)["wang"]
    assert line_amounts(result) == {key: D(value) for key, value in expected.items()}
    assert [gate.id for gate in result.gates if gate.held] == [key.split(":")[1] for key in expected if ":" in key]


def test_gates_compound_on_what_the_earlier_gate_left():
    plan = plan_from("""\
        pay:
          award: {kind: formula, amount: 1000, category: commission}
        gates:
          a: {when: 1, multiply: 0.5, applies_to: [commission]}
          b: {when: 1, multiply: 0.5, applies_to: [commission]}
        """)
    assert line_amounts(run(plan, {"wang": {}})["wang"]) == {"award": D(1000), "gate:a": D(-500),
                                                             "gate:b": D(-250)}


LIMITS = """\
pay:
  commission: {kind: formula, amount: sales_amount * 0.01, category: commission}
  fines: {kind: fine, count: complaints, amount: 500}
  base: {kind: formula, amount: 1000, category: base_pay}
limits:
  - {applies_to: [commission], cap: 8000}
  - {applies_to: [fine], floor: -1000}
guaranteed_minimum: 3000
"""


@pytest.mark.parametrize(("sales", "complaints", "expected"), [
    pytest.param(1000000, 0, {"commission": 10000, "fines": 0, "base": 1000, "cap:limits": -2000},
                 id="commission-capped"),
    pytest.param(500000, 3, {"commission": 5000, "fines": -1500, "base": 1000, "floor:limits": 500},
                 id="fines-floored"),
    pytest.param(100000, 1, {"commission": 1000, "fines": -500, "base": 1000, "guaranteed_minimum": 1500},
                 id="guaranteed-minimum-tops-up"),
])
def test_caps_floors_and_guaranteed_minimum(sales, complaints, expected):
    result = run(plan_from(LIMITS), {"wang": {"sales_amount": sales, "complaints": complaints}})["wang"]
    assert line_amounts(result) == {key: D(value) for key, value in expected.items()}


@settings(max_examples=60, deadline=None)
@given(sales=st.decimals(min_value=0, max_value=3_000_000, places=2), complaints=st.integers(0, 10))
def test_caps_floors_and_minimum_always_hold(sales, complaints):
    result = run(plan_from(LIMITS), {"wang": {"sales_amount": str(sales), "complaints": complaints}})["wang"]
    by_category: dict[str, Decimal] = {}
    for line in result.lines:
        by_category[line.category] = by_category.get(line.category, D(0)) + line.amount
    assert by_category.get("commission", D(0)) <= 8000
    assert by_category.get("fine", D(0)) >= -1000
    assert result.total >= 3000


DRAW = """\
pay:
  unit_award: {kind: per_unit, amount: 400}
draw:
  amount: 2000
"""


def test_recoverable_draw_is_advanced_then_recovered():
    plan = plan_from(DRAW)
    march = run(plan, {"wang": {}}, deals=(deal("D1", "2025-03-05"), deal("D2", "2025-03-06")))["wang"]
    assert line_amounts(march) == {"unit_award": D(800), "draw": D(1200)}
    assert march.draw_outstanding == D(1200)
    april_deals = tuple(deal(f"D{n}", f"2025-04-{n:02d}") for n in range(1, 10))  # 3,600 earned
    april = run(plan, {"wang": {}}, period="2025-04", deals=april_deals,
                history={"wang": History(draw_outstanding=march.draw_outstanding)})["wang"]
    assert line_amounts(april) == {"unit_award": D(3600), "draw": D(-1200)}
    assert (april.total, april.draw_outstanding) == (D(2400), D(0))


def test_recovery_takes_only_earnings_above_the_draw():
    april = run(plan_from(DRAW), {"wang": {}}, period="2025-04",
                deals=tuple(deal(f"D{n}", f"2025-04-{n:02d}") for n in range(1, 7)),  # 2,400 earned
                history={"wang": History(draw_outstanding=D(1200))})["wang"]
    assert line_amounts(april) == {"unit_award": D(2400), "draw": D(-400)}
    assert april.draw_outstanding == D(800)


def test_clawback_of_an_unwound_deal_and_the_negative_balance_carried_forward():
    plan = plan_from("pay:\n  unit_award: {kind: per_unit, amount: 300}\n")
    deals = (deal("D0", "2025-02-20", unwound="2025-03-10"), deal("D1", "2025-03-12"))
    march = run(plan, {"wang": {}}, deals=deals, history={"wang": History(paid_for_deals={"D0": D("1450")})})["wang"]
    assert [(line.kind, line.amount) for line in march.lines] == [
        ("per_unit", D(300)), ("clawback", D(-1450)), ("carried_forward", D(1150))]
    assert (march.total, march.carried_balance) == (D(0), D(-1150))
    assert march.lines[1].deals[0].deal == "D0"
    april = run(plan, {"wang": {}}, period="2025-04", deals=tuple(deal(f"E{n}", "2025-04-02") for n in range(5)),
                history={"wang": History(carried_balance=march.carried_balance)})["wang"]
    assert [(line.kind, line.amount) for line in april.lines] == [("per_unit", D(1500)),
                                                                  ("brought_forward", D(-1150))]
    assert (april.total, april.carried_balance) == (D(350), D(0))


def test_paid_for_deals_records_what_gates_and_caps_left_for_later_clawbacks():
    plan = plan_from("pay:\n  unit_award: {kind: per_unit, amount: 1000}\nlimits:\n"
                     "  - {applies_to: [commission], cap: 1500}\n")
    result = run(plan, {"wang": {}}, deals=(deal("D1", "2025-03-01"), deal("D2", "2025-03-02")))["wang"]
    assert result.paid_for_deals == {"D1": D(750), "D2": D(750)}


TEAM = """\
indicators:
  team_volume: {metric: units_delivered, scope: team, target: team, scoring: {kind: linear, cap: 150}}
weights:
  default: {team_volume: 100}
"""


def test_team_achievement_is_sum_of_actuals_over_sum_of_targets():
    plan = plan_from(TEAM, head="plan: s\nrole: supervisor\n")
    result = run(plan, {"boss": {}, "wang": {"units_delivered": 8}, "li": {"units_delivered": 0}},
                 {"wang": {"units_delivered": 8}, "li": {"units_delivered": 2}},
                 roles={"wang": "consultant", "li": "consultant"})
    assert set(result) == {"boss"}  # the consultants feed the team figures but are not on this plan
    indicator = result["boss"].indicators[0]
    assert (indicator.actual, indicator.target, indicator.achievement) == (D(8), D(10), D(80))  # not (100+0)/2


def test_team_figures_credit_records_to_the_team_of_the_day():
    plan = plan_from(TEAM, head="plan: s\nrole: supervisor\n")
    inputs = PeriodInputs(Period(2025, 3), (Person("boss_b", role="supervisor", team="B"),
                                            Person("zhao", role="consultant", team="B")),
                          actuals=(Actuals("zhao", "A", {"units_delivered": D(1)}),
                                   Actuals("zhao", "B", {"units_delivered": D(2)})),
                          targets=(Target({"units_delivered": D(4)}, team="B"),))
    (result,) = evaluate_period(plan, inputs)
    assert (result.indicators[0].actual, result.indicators[0].target) == (D(2), D(4))  # the team-A unit is A's


def test_per_unit_award_times_test_drive_and_closing_coefficients():
    plan = plan_from("""\
        derived:
          test_drive_factor: test_drive_rate / team.avg.test_drive_rate
          closing_factor: visit_to_order_rate / target.visit_to_order_rate
        pay:
          unit_award: {kind: per_unit, amount: 200, multiply_by: test_drive_factor * closing_factor}
        """)
    result = run(plan, {"wang": {"test_drive_rate": 60, "visit_to_order_rate": 25},
                        "li": {"test_drive_rate": 40, "visit_to_order_rate": 20}},
                 {"wang": {"visit_to_order_rate": 20}, "li": {"visit_to_order_rate": 20}},
                 deals=tuple(deal(f"D{n}", "2025-03-02") for n in range(3)))["wang"]
    line = result.lines[0]
    assert line.amount == D(900)  # 3 x 200 x (60 / 50) x (25 / 20)
    assert line.values["multiplier"] == D("1.5")
    assert line.inputs == {"test_drive_factor": D("1.2"), "closing_factor": D("1.25")}


def test_team_bonus_times_team_completion_times_own_completion():
    plan = plan_from("""\
        derived:
          team_completion: min(1, team.sum.units_delivered / team.target.units_delivered)
          own_completion: min(1, units_delivered / target.units_delivered)
        pay:
          team_bonus: {kind: formula, amount: 3000 * team_completion * own_completion}
        """)
    results = run(plan, {"wang": {"units_delivered": 9}, "li": {"units_delivered": 1}},
                  {"wang": {"units_delivered": 8}, "li": {"units_delivered": 4}})
    assert results["wang"].total == D(2500)  # team 10 / 12; own capped at 1
    assert results["li"].total == D(625)  # 3000 x 10/12 x 1/4


def test_quarterly_bonus_is_paid_in_the_quarters_last_month_from_the_monthly_scores():
    plan = plan_from(SCORECARD + "pay:\n  quarter_bonus: {kind: formula, every: quarter, "
                                 "amount: 'if(quarter.avg_score >= 90, 3000, 0)'}\n")
    history = {"wang": History(months=(MonthRecord(Period(2025, 1), total_score=D(95)),
                                       MonthRecord(Period(2025, 2), total_score=D(80))))}
    march = run(plan, {"wang": {"units_delivered": 10}}, {"wang": {"units_delivered": 10}}, history=history)["wang"]
    assert line_amounts(march)["quarter_bonus"] == D(3000)  # (95 + 80 + 100) / 3 = 91.67
    assert march.lines[-1].category == "quarterly_bonus"
    february = run(plan, {"wang": {"units_delivered": 10}}, {"wang": {"units_delivered": 10}}, period="2025-02",
                   history=history)["wang"]
    assert "quarter_bonus" not in line_amounts(february)


def test_annual_bonus_from_the_years_units():
    plan = plan_from("pay:\n  annual: {kind: formula, every: year, amount: year.units_delivered * 50}\n")
    history = {"wang": History(months=tuple(MonthRecord(Period(2025, month), {"units_delivered": D(5)})
                                            for month in range(1, 12)))}
    result = run(plan, {"wang": {"units_delivered": 7}}, period="2025-12", history=history)["wang"]
    assert line_amounts(result) == {"annual": D(3100)}  # (11 x 5 + 7) x 50
    assert result.lines[0].category == "annual_bonus"


def test_a_stage_without_weights_and_no_default_is_an_error():
    plan = plan_from("indicators:\n  v: {metric: units_delivered, target: 10, scoring: {kind: linear}}\nweights:\n"
                     + "".join(f"  {stage}: {{v: 100}}\n" for stage in ("introduction", "growth", "maturity",
                                                                       "run_out")))
    assert run(plan, {"wang": {"units_delivered": 5}}, stage="maturity")["wang"].total_score == D(50)
    assert "no weight set for stage None" in run(plan, {"wang": {"units_delivered": 5}})["wang"].error


def test_split_credit_not_summing_to_100_stops_the_run():
    plan = plan_from("pay:\n  unit_award: {kind: per_unit, amount: 100}\n")
    with pytest.raises(EvaluationError, match="deal D1: shares sum to 50, not 100"):
        run(plan, {"wang": {}}, deals=(deal("D1", "2025-03-01", share="50"),))


ROUNDING = """\
pay:
  a: {kind: formula, amount: sales_amount * 0.0137, category: commission}
  b: {kind: formula, amount: front_gross_profit / 7, category: bonus}
  c: {kind: percent, basis: insurance_premium, percent: 3.3}
gates:
  g: {when: complaints > 0, multiply: 0.85, applies_to: [commission, bonus]}
limits:
  - {applies_to: [commission], cap: 5000.005}
"""


@settings(max_examples=80, deadline=None)
@given(sales=st.decimals(min_value=0, max_value=1_000_000, places=2),
       profit=st.decimals(min_value=-50_000, max_value=200_000, places=2),
       premiums=st.lists(st.decimals(min_value=0, max_value=20_000, places=2), max_size=5),
       complaints=st.integers(0, 1))
def test_rounding_loses_nothing_total_is_the_sum_of_the_lines(sales, profit, premiums, complaints):
    deals = tuple(deal(f"D{n}", "2025-03-02", insurance_premium=str(p)) for n, p in enumerate(premiums))
    result = run(plan_from(ROUNDING), {"wang": {"sales_amount": str(sales), "front_gross_profit": str(profit),
                                                "complaints": complaints}}, deals=deals)["wang"]
    assert result.total == sum((line.amount for line in result.lines), D(0))
    for line in result.lines:
        assert line.amount == fen(line.exact)
        assert line.amount == line.amount.quantize(D("0.01"))
