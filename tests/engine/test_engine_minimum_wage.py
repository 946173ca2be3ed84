"""The minimum wage (`minimum_wage: top_up | flag`), the staff record's base salary as base pay (`base_salary`),
and the `skip` policy in base pay and in the bonus base: each leaves a line, a warning or a note, never a crash."""

from pathlib import Path

import pytest
from engine_helpers import HEAD, D, deal, decimals, plan_from

from dealerkpi.plans.engine.cli import main
from dealerkpi.plans.engine.evaluate import evaluate_period
from dealerkpi.plans.engine.inputs import Actuals, History, Period, PeriodInputs, Person
from dealerkpi.plans.engine.loader import PlanInvalid
from dealerkpi.plans.engine.schema import Plan
from dealerkpi.plans.engine.trace import Item, PersonResult, Warning
from dealerkpi.plans.engine.validate import check_plan_text

MINIMUM_WAGE = Item("minimum_wage", "minimum_wage")
BASE_PAY = Item("base_pay", "base_pay")
BONUS = Item("bonus", "bonus")
LOW_PAY = """\
base_pay:
  - {amount: 1200}
pay:
  unit_award: {kind: per_unit, amount: 200}
  price_breach: {kind: fine, count: price_floor_breaches, amount: 300}
"""


def head(minimum_wage: str = "", missing_value: str = "error") -> str:
    said = f"minimum_wage: {minimum_wage}\n" if minimum_wage else ""
    return HEAD.replace("missing_value: error", f"missing_value: {missing_value}") + said


def result_of(plan: Plan, period: str = "2025-03", deals: tuple = (), history: dict | None = None,
              actuals: dict | None = None, **person: object) -> PersonResult:
    """Wang's result: `person` gives his base_salary, minimum_wage and days_employed."""
    figures = {"units_delivered": 0, "price_floor_breaches": 0} if actuals is None else actuals
    inputs = PeriodInputs(Period.parse(period), (Person("wang", "王磊", "consultant", "A", **person),),
                          actuals=(Actuals("wang", "A", decimals(figures)),), deals=deals, history=history or {})
    (result,) = evaluate_period(plan, inputs)
    assert not result.error, result.error
    return result


def line(result: PersonResult, kind: str):
    found = [line for line in result.lines if line.kind == kind]
    return found[0] if found else None


# --- the minimum wage ----------------------------------------------------------------------------------------


def test_top_up_brings_the_pay_up_to_the_minimum_wage_with_a_line_of_its_own() -> None:
    result = result_of(plan_from(LOW_PAY, head("top_up")), actuals={"units_delivered": 2, "price_floor_breaches": 0},
                       deals=(deal("D1", "2025-03-03"), deal("D2", "2025-03-09")), minimum_wage=D(2490))
    top_up = line(result, "minimum_wage")
    assert top_up.amount == D("890.00"), "2,490 - (1,200 base + 2 x 200 per car)"
    assert (top_up.category, top_up.rule, top_up.wording.key) == ("base_pay", "minimum_wage", "minimum_wage")
    assert top_up.inputs == {"minimum_wage": D(2490), "days_employed": D(31)}
    assert top_up.values["pay_before_top_up"] == D(1600) and top_up.values["minimum_wage_due"] == D("2490.00")
    assert result.total == D("2490.00") and result.warnings == ()


def test_a_mid_month_hire_is_due_the_minimum_wage_for_the_days_employed_to_the_fen() -> None:
    """Hired on 10 March: 22 of March's 31 days; 2,490 x 22 / 31 = 1,767.0967... is 1,767.10."""
    result = result_of(plan_from(LOW_PAY, head("top_up")), minimum_wage=D(2490), days_employed=22)
    top_up = line(result, "minimum_wage")
    assert top_up.amount == D("567.10") and result.total == D("1767.10")
    assert top_up.inputs["days_employed"] == D(22) and top_up.values["days_in_month"] == D(31)


def test_fines_count_in_the_pay_compared_and_a_clawback_of_an_earlier_month_does_not() -> None:
    """Fines are this month's pay: a fine that takes the pay below the minimum wage is topped up. A clawback gives
    back an earlier month's pay: it comes after the comparison, so it is not topped up."""
    plan = plan_from(LOW_PAY.replace("amount: 1200", "amount: 2490"), head("top_up"))
    fined = result_of(plan, actuals={"units_delivered": 0, "price_floor_breaches": 1}, minimum_wage=D(2490))
    assert line(fined, "minimum_wage").amount == D("300.00") and fined.total == D("2490.00")
    unwound = deal("D0", "2025-02-20", unwound="2025-03-05")
    clawed = result_of(plan, deals=(unwound,), history={"wang": History(paid_for_deals={"D0": D(200)})},
                       minimum_wage=D(2490))
    assert line(clawed, "minimum_wage") is None and clawed.total == D("2290.00")


def test_a_pay_at_or_above_the_minimum_wage_is_left_as_it_is() -> None:
    result = result_of(plan_from(LOW_PAY.replace("1200", "2490"), head("top_up")), minimum_wage=D(2490))
    assert line(result, "minimum_wage") is None and result.warnings == () and result.total == D(2490)


@pytest.mark.parametrize("said", ["flag", ""])
def test_flag_warns_of_a_pay_below_the_minimum_wage_and_adds_no_line(said: str) -> None:
    """A plan that says nothing flags it too."""
    result = result_of(plan_from(LOW_PAY, head(said)), minimum_wage=D(2490), days_employed=22)
    assert line(result, "minimum_wage") is None and result.total == D(1200)
    assert result.warnings == (Warning("below_minimum_wage", "1767.10", "flag", MINIMUM_WAGE),)
    assert str(result.warnings[0]) == ("minimum wage: the pay is below the minimum wage of 1767.10; not topped up "
                                       "(below_minimum_wage, minimum_wage: flag)")
    assert not result.blocked


def test_a_plan_may_block_submission_on_a_pay_below_the_minimum_wage() -> None:
    plan = plan_from(LOW_PAY, head("flag") + "warnings: {block: [below_minimum_wage]}\n")
    assert result_of(plan, minimum_wage=D(2490)).blocked


@pytest.mark.parametrize("said", ["top_up", "flag"])
def test_no_minimum_wage_given_warns_when_the_plan_names_minimum_wage(said: str) -> None:
    result = result_of(plan_from(LOW_PAY, head(said)))
    assert result.warnings == (Warning("missing_minimum_wage", "minimum_wage", said, MINIMUM_WAGE),)
    assert line(result, "minimum_wage") is None and not result.blocked


def test_no_minimum_wage_given_under_a_plan_that_says_nothing_leaves_no_warning() -> None:
    assert result_of(plan_from(LOW_PAY, head())).warnings == ()


def test_days_employed_beyond_the_month_is_an_error_on_the_person() -> None:
    inputs = PeriodInputs(Period(2025, 2), (Person("wang", minimum_wage=D(2490), days_employed=30),),
                          actuals=(Actuals("wang", "A", decimals({"units_delivered": 0, "price_floor_breaches": 0})),))
    (result,) = evaluate_period(plan_from(LOW_PAY, head("top_up")), inputs)
    assert result.error == "wang is employed 30 days of 2025-02, which has 28"


@pytest.mark.parametrize(("written", "expected"), [
    ("minimum_wage: topup\n", "6:15: minimum_wage: 'topup' is not one of top_up, flag"),
    ("minimum_wage: [top_up]\n", "6:15: minimum_wage must be text"),
])
def test_the_minimum_wage_key_is_checked(written: str, expected: str) -> None:
    with pytest.raises(PlanInvalid) as caught:
        check_plan_text(HEAD + written + LOW_PAY)
    assert [str(error) for error in caught.value.errors] == [expected]


# --- base salary as base pay ---------------------------------------------------------------------------------

SALARY = """\
base_pay:
  - {when: units_delivered >= 10, amount: base_salary + 500}
  - {amount: base_salary}
"""


def test_the_base_salary_on_the_staff_record_is_the_base_pay() -> None:
    result = result_of(plan_from(SALARY), actuals={"units_delivered": 3}, base_salary=D("4500.50"))
    base = line(result, "base_pay")
    assert base.amount == D("4500.50") and base.inputs == {"base_salary": D("4500.50")}
    more = result_of(plan_from(SALARY), actuals={"units_delivered": 12}, base_salary=D("4500.50"))
    assert line(more, "base_pay").amount == D("5000.50")
    assert line(more, "base_pay").inputs == {"units_delivered": D(12), "base_salary": D("4500.50")}


def test_a_missing_base_salary_follows_the_missing_value_policy_with_a_warning() -> None:
    zero = result_of(plan_from(SALARY, head(missing_value="zero")), actuals={"units_delivered": 3})
    assert line(zero, "base_pay").amount == D(0)
    assert zero.warnings == (Warning("missing_value", "base_salary", "zero", BASE_PAY),)
    skipped = result_of(plan_from(SALARY, head(missing_value="skip")), actuals={"units_delivered": 3})
    assert line(skipped, "base_pay") is None
    assert skipped.warnings == (Warning("missing_value", "base_salary", "skip", BASE_PAY),)
    assert skipped.notes == ("base pay left out: base_salary is missing for wang",)
    inputs = PeriodInputs(Period(2025, 3), (Person("wang"),), (Actuals("wang", "A", {"units_delivered": D(3)}),))
    (error,) = evaluate_period(plan_from(SALARY), inputs)
    assert error.error == "base_salary is missing for wang" and error.lines == ()


def test_base_salary_is_a_name_of_its_own() -> None:
    with pytest.raises(PlanInvalid) as caught:
        check_plan_text(HEAD + "derived:\n  base_salary: 1000\n" + SALARY)
    assert [str(error) for error in caught.value.errors] == [
        "7:16: derived base_salary: the name is taken by a metric or a reference"
    ]


def test_base_pay_amounts_are_checked_as_expressions_and_still_read_numbers_written_as_text() -> None:
    with pytest.raises(PlanInvalid) as caught:
        check_plan_text(HEAD + "base_pay:\n  - {amount: base_salry}\n")
    assert [str(error) for error in caught.value.errors] == [
        "7:14: base_pay amount: unknown metric 'base_salry' in 'base_salry'"
    ]
    plan = check_plan_text(HEAD + 'base_pay:\n  - {amount: "1,500"}\n')
    assert line(result_of(plan), "base_pay").amount == D(1500)


# --- the skip policy in base pay and in the bonus ------------------------------------------------------------


def test_a_base_pay_condition_skipped_leaves_its_entry_out_with_a_note_and_the_next_one_pays() -> None:
    body = "base_pay:\n  - {when: visit_to_order_rate >= 20, amount: 1500}\n  - {amount: 1200}\n"
    result = result_of(plan_from(body, head(missing_value="skip")), actuals={"units_delivered": 3})
    assert line(result, "base_pay").amount == D(1200)
    assert result.notes == ("base pay entry 1 (when visit_to_order_rate >= 20) left out: "
                            "visit_to_order_rate is missing for wang",)
    assert result.warnings == (Warning("missing_value", "visit_to_order_rate", "skip", BASE_PAY),)


def test_a_bonus_base_skipped_leaves_the_bonus_out_with_a_note() -> None:
    body = """\
    bonus:
      base: accessories_amount * 0.1
      coefficients:
        - {below: 80, coefficient: 0}
        - {from: 80, coefficient: 1}
    base_pay:
      - {amount: 1200}
    """
    result = result_of(plan_from(body, head(missing_value="skip")), actuals={"units_delivered": 3})
    assert [line.kind for line in result.lines] == ["base_pay"] and result.coefficient is None
    assert result.notes == ("bonus left out: accessories_amount is missing for wang",)
    assert result.warnings == (Warning("missing_value", "accessories_amount", "skip", BONUS),)


# --- the command line ----------------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_cli_reads_the_base_salary_minimum_wage_and_days_employed_columns(tmp_path: Path, capsys) -> None:
    plan = write(tmp_path, "plan.yaml", head("top_up") + "base_pay:\n  - {amount: base_salary}\n")
    actuals = write(tmp_path, "actuals.csv", "person,team,base_salary,minimum_wage,days_employed,units_delivered\n"
                                             "wang,A,1200,2490,22,1\nwang,B,,2490,,2\nli,A,3000,,,1\n")
    assert main(["plan", "evaluate", plan, "--actuals", actuals, "--period", "2025-03"]) == 0
    out = capsys.readouterr().out
    assert "minimum wage top-up to 1767.10" in out and "567.10" in out
    assert "warning: minimum wage: no minimum wage is given; the pay is not compared with one" in out


def test_the_cli_refuses_a_persons_figure_that_differs_between_their_rows(tmp_path: Path, capsys) -> None:
    plan = write(tmp_path, "plan.yaml", head("top_up") + "base_pay:\n  - {amount: base_salary}\n")
    actuals = write(tmp_path, "actuals.csv", "person,team,base_salary,units_delivered\nwang,A,1200,1\nwang,B,1300,2\n")
    assert main(["plan", "evaluate", plan, "--actuals", actuals, "--period", "2025-03"]) == 1
    assert "actuals.csv row 3, column base_salary: 1300 differs from 1200 on an earlier row" in capsys.readouterr().out


def test_plan_check_says_what_the_plan_does_with_the_minimum_wage(tmp_path: Path, capsys) -> None:
    assert main(["plan", "check", write(tmp_path, "a.yaml", head("top_up") + LOW_PAY)]) == 0
    assert main(["plan", "check", write(tmp_path, "b.yaml", head() + LOW_PAY)]) == 0
    out = capsys.readouterr().out
    assert "2 pay rules, minimum wage: top_up)" in out and "minimum wage: flag (not said))" in out


def test_the_days_employed_are_counted_against_the_days_of_the_month() -> None:
    """Half of February 2025 (14 of 28 days) is due half the minimum wage: 1,245."""
    result = result_of(plan_from(LOW_PAY, head("top_up")), period="2025-02", minimum_wage=D(2490), days_employed=14)
    assert line(result, "minimum_wage").amount == D("45.00") and result.total == D("1245.00")
