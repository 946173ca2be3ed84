"""An unwound deal and attainment: the plan chooses whether the unwind reduces the attainment of its month (the
default, as the actuals come net of unwinds) or only takes back the money paid for the deal."""

from datetime import date

import pytest
from engine_helpers import HEAD, D, deal, plan_from, run

from dealerkpi.plans.engine.catalogue import catalogue
from dealerkpi.plans.engine.figures import gather_figures
from dealerkpi.plans.engine.inputs import Actuals, Credit, Deal, History, Period, PeriodInputs, Person
from dealerkpi.plans.engine.loader import PlanInvalid, load_plan_text

PLAN = """\
indicators:
  volume: {metric: units_delivered, target: person, scoring: {kind: linear, cap: 150}}
weights:
  default: {volume: 100}
pay:
  unit_award: {kind: per_unit, amount: 300}
"""

# February's car D0 comes back in March; March's actuals are net of it: 5 delivered, 1 unwound.
MARCH_DEALS = (deal("D0", "2025-02-20", model="XLCH", unwound="2025-03-10"),
               *(deal(f"D{n}", "2025-03-12") for n in range(1, 6)))
HISTORY = {"wang": History(paid_for_deals={"D0": D(300)})}
NET = {"wang": {"units_delivered": 4, "units_by_model:XLCH": 0, "sales_amount": 500000}}
TARGET = {"wang": {"units_delivered": 5}}


def test_by_default_the_unwind_reduces_the_attainment_of_its_month():
    result = run(plan_from(PLAN), NET, TARGET, deals=MARCH_DEALS, history=HISTORY)["wang"]
    assert result.indicators[0].actual == D(4)
    assert [(line.kind, line.amount) for line in result.lines] == [("per_unit", D(1500)), ("clawback", D(-300))]


def test_reverse_pay_only_takes_the_money_back_and_leaves_the_attainment():
    plan = plan_from("unwinds: reverse_pay_only\n" + PLAN)
    result = run(plan, NET, TARGET, deals=MARCH_DEALS, history=HISTORY)["wang"]
    assert result.indicators[0].actual == D(5)  # the car stays counted
    assert [(line.kind, line.amount) for line in result.lines] == [("per_unit", D(1500)), ("clawback", D(-300))]
    assert result.notes == ("deal D0 unwound on 2025-03-10: its figures stay in this month's actuals (unwinds: "
                            "reverse_pay_only); only the pay is clawed back",)


def test_the_figures_added_back_are_the_deals_by_share_and_team_of_the_day_for_the_metrics_given():
    unwound = Deal("D0", date(2025, 2, 20), (Credit("wang", D(60), "A"), Credit("li", D(40), "B")),
                   {"sales_amount": D(200000)}, "XLCH", "high", date(2025, 3, 10))
    inputs = PeriodInputs(Period(2025, 3), (Person("wang", team="A"), Person("li", team="B")), actuals=(
        Actuals("wang", "A", {"units_delivered": D("3.4"), "units_by_model:XLCH": D("-0.6"), "sales_amount": D(0)}),
        Actuals("li", "B", {"units_delivered": D("1.6")}),
    ), deals=(unwound,))
    figures = gather_figures(inputs, catalogue(), (unwound,))
    assert figures.actuals["wang"] == {"units_delivered": D(4), "units_by_model:XLCH": D(0),
                                       "sales_amount": D(120000)}
    assert figures.actuals["li"] == {"units_delivered": D(2)}  # li's row gives no sales amount: still missing
    assert figures.team_sum("B", "units_delivered") == D(2)


def test_a_plan_says_unwinds_in_one_of_two_words():
    with pytest.raises(PlanInvalid, match="unwinds: 'ignore' is not one of reduce_attainment, reverse_pay_only"):
        load_plan_text(HEAD + "unwinds: ignore\n")
