"""Clawbacks repay exactly what was paid: what each deal was paid is kept in whole fen, shared out of the rounded
lines shown (after gates and caps), and an unwound deal's clawback is minus that, to the fen."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from engine_helpers import D, deal, plan_from, run, shared_deal
from hypothesis import given, settings
from hypothesis import strategies as st

from dealerkpi.plans.engine.inputs import History
from dealerkpi.plans.engine.trace import PersonResult

FEN = D("0.01")
TWO_LINES = """\
pay:
  profit: {kind: percent, basis: front_gross_profit, percent: 0.5}
  premium: {kind: percent, basis: insurance_premium, percent: 0.5}
"""


def clawbacks(result: PersonResult) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for line in result.lines:
        if line.kind == "clawback":
            found[line.rule] = found.get(line.rule, D(0)) + line.amount
    return found


def march_and_april(plan_text: str, deals: tuple, people: tuple[str, ...] = ("wang",),
                    actuals: dict | None = None) -> tuple[dict[str, PersonResult], dict[str, PersonResult]]:
    """March pays the deals; in April they are all unwound, with March's results as history."""
    plan = plan_from(plan_text)
    figures = actuals or {person: {} for person in people}
    march = run(plan, figures, deals=deals)
    unwound = tuple(replace(one, unwound_on=date(2025, 4, 10)) for one in deals)
    history = {person: History(paid_for_deals=result.paid_for_deals) for person, result in march.items()}
    april = run(plan, figures, period="2025-04", deals=unwound, history=history)
    return march, april


def test_a_deal_paid_on_two_lines_is_clawed_back_what_the_two_lines_paid():
    # 0.5% of 20,001 = 100.005 and 0.5% of 40,001 = 200.005: paid as 100.01 + 200.01 = 300.02
    one = (deal("D1", "2025-03-03", front_gross_profit="20001", insurance_premium="40001"),)
    march, april = march_and_april(TWO_LINES, one)
    assert [line.amount for line in march["wang"].lines] == [D("100.01"), D("200.01")]
    assert march["wang"].paid_for_deals == {"D1": D("300.02")}
    assert clawbacks(april["wang"]) == {"D1": D("-300.02")}


def test_the_fen_a_line_rounds_to_goes_to_one_deal_and_the_parts_add_up_to_the_line():
    deals = tuple(deal(f"D{n}", "2025-03-03", front_gross_profit="20001") for n in range(3))  # 100.005 each
    march = run(plan_from(TWO_LINES), {"wang": {}}, deals=deals)["wang"]
    assert march.lines[0].amount == D("300.02")  # 300.015 rounded once
    assert sorted(march.paid_for_deals.values()) == [D("100.00"), D("100.01"), D("100.01")]


def test_a_supervisor_paid_for_a_teams_deal_by_a_team_rule_repays_it_too():
    plan = "pay:\n  team_award: {kind: per_unit, scope: team, amount: 50.005}\n"
    deals = (deal("D1", "2025-03-03", person="wang", team="A"),)
    march, april = march_and_april(plan, deals, actuals={"boss": {}, "wang": {}})
    assert march["boss"].paid_for_deals == {"D1": D("50.01")}
    assert clawbacks(april["boss"]) == {"D1": D("-50.01")}


RULES = """\
pay:
  unit: {kind: per_unit, amount: 100.005}
  profit: {kind: percent, basis: front_gross_profit, percent: 3.3}
  premium: {kind: percent, basis: insurance_premium, percent: 1.7, multiply_by: factor}
  volume: {kind: tiers, basis: units_delivered, method: retroactive, tiers: [{from: 0, to: 3, amount: 33.333},
           {from: 3, amount: 66.667}]}
derived:
  factor: test_drive_rate / 70
gates:
  g: {when: complaints > 0, multiply: 0.85, applies_to: [commission]}
limits:
  - {applies_to: [commission], cap: CAP}
"""


@st.composite
def month_of_deals(draw: st.DrawFn) -> tuple:
    money = st.decimals(min_value=-5_000, max_value=60_000, places=2)
    deals = []
    for n in range(draw(st.integers(1, 6))):
        figures = {"front_gross_profit": str(draw(money)), "insurance_premium": str(abs(draw(money)))}
        if draw(st.booleans()):
            share = draw(st.integers(1, 99))
            deals.append(shared_deal(f"D{n}", f"2025-03-{n + 1:02d}", [("wang", str(share), "A"),
                                                                        ("li", str(100 - share), "A")], **figures))
        else:
            deals.append(deal(f"D{n}", f"2025-03-{n + 1:02d}", person=draw(st.sampled_from(["wang", "li"])),
                              **figures))
    return tuple(deals)


@settings(max_examples=60, deadline=None)
@given(deals=month_of_deals(), rate=st.integers(1, 140), complaints=st.integers(0, 1),
       cap=st.sampled_from(["100000", "1234.565", "0"]))
def test_every_deals_clawbacks_repay_minus_the_rounded_amounts_paid_for_it(deals, rate, complaints, cap):
    actuals = {person: {"test_drive_rate": rate, "complaints": complaints} for person in ("wang", "li")}
    march, april = march_and_april(RULES.replace("CAP", cap), deals, actuals=actuals)
    for person, result in march.items():
        commission = sum((line.amount for line in result.lines if line.category == "commission"), D(0))
        paid = result.paid_for_deals
        assert all(amount == amount.quantize(FEN) for amount in paid.values())
        assert sum(paid.values(), D(0)) == commission  # every fen of the lines shown is some deal's
        assert clawbacks(april[person]) == {deal_id: -amount for deal_id, amount in paid.items()}
    for one in deals:
        repaid = sum((clawbacks(april[p]).get(one.id, D(0)) for p in april), D(0))
        assert repaid == -sum((march[p].paid_for_deals.get(one.id, D(0)) for p in march), D(0))
