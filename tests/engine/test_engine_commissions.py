"""Commissions: per unit and per model, tiers marginal and retroactive on the period-to-date total,
profit above a threshold, derivative business tiered by a level, split credit."""

from decimal import Decimal

import pytest
from engine_helpers import D, deal, line_amounts, plan_from, run, shared_deal
from hypothesis import given
from hypothesis import strategies as st

from dealerkpi.plans.engine.commissions import Step, attribute, earned_to
from dealerkpi.plans.engine.inputs import Credit, Deal, History, MonthRecord, Period, credit_errors, credited

VOLUME_AWARD = (Step(D(0), D(3), D(0)), Step(D(3), D(5), D(500)), Step(D(5), D(7), D(600)), Step(D(7), None, D(700)))


@pytest.mark.parametrize(("cars", "retroactive", "marginal"), [
    pytest.param(2, 0, 0, id="below-the-first-paid-band"),
    pytest.param(3, 1500, 0, id="reaching-a-band-pays-all-cars-retroactively-none-marginally"),
    pytest.param(4, 2000, 500, id="inside-a-band"),
    pytest.param(5, 3000, 1000, id="next-band-reached"),
    pytest.param(7, 4900, 2200, id="top-band"),
    pytest.param(8, 5600, 2900, id="beyond-the-top-band"),
])
def test_volume_award_tiers_retroactive_and_marginal(cars, retroactive, marginal):
    assert earned_to(D(cars), VOLUME_AWARD, "retroactive") == D(retroactive)
    assert earned_to(D(cars), VOLUME_AWARD, "marginal") == D(marginal)


def test_the_deal_reaching_a_retroactive_band_carries_the_top_up():
    shares = attribute(D(0), [(f"D{n}", D(1)) for n in range(1, 6)], VOLUME_AWARD, "retroactive")
    assert [share.amount for share in shares] == [0, 0, 1500, 500, 1000]


def test_a_deal_crossing_a_band_is_split_between_the_bands():
    steps = (Step(D(0), D(20000), D(0)), Step(D(20000), None, D("0.1")))
    shares = attribute(D(0), [("D1", D(8000)), ("D2", D(9000)), ("D3", D(7000))], steps, "marginal")
    assert [share.amount for share in shares] == [0, 0, 400]  # D3 spans 17,000-24,000: 4,000 above at 10%


TIERS_PLAN = """\
pay:
  volume_award:
    kind: tiers
    basis: units_delivered
    method: {method}
    over: quarter
    tiers:
      - {{from: 0, to: 10, amount: 300}}
      - {{from: 10, to: 20, amount: 400}}
      - {{from: 20, amount: 500}}
"""


@pytest.mark.parametrize(("method", "expected", "shares"), [
    # retroactive: D2 brings the quarter to 20 cars, so all 20 are paid 500: 20 x 500 - 19 x 400 = 2,400
    pytest.param("retroactive", "3300", ["400", "2400", "500"], id="retroactive-tops-up-the-quarters-earlier-cars"),
    pytest.param("marginal", "1300", ["400", "400", "500"], id="marginal-pays-each-car-at-its-band"),
])
def test_quarterly_tiers_start_from_the_quarter_to_date_history(method, expected, shares):
    history = {"wang": History(months=(MonthRecord(Period(2025, 1), {"units_delivered": D(10)}),
                                       MonthRecord(Period(2025, 2), {"units_delivered": D(8)}),
                                       MonthRecord(Period(2024, 12), {"units_delivered": D(99)})))}
    deals = (deal("D1", "2025-03-03"), deal("D2", "2025-03-10"), deal("D3", "2025-03-20"))
    result = run(plan_from(TIERS_PLAN.format(method=method)), {"wang": {}}, deals=deals, history=history)["wang"]
    line = result.lines[0]
    assert line.amount == D(expected)
    assert [str(share.amount) for share in line.deals] == shares
    assert line.values["period_to_date_before"] == D(18)  # January and February; December is another year


@pytest.mark.parametrize(("method", "expected"), [
    pytest.param("marginal", "1100", id="marginal-attainment-cars-9-10-at-300-car-11-at-500"),
    pytest.param("retroactive", "5500", id="retroactive-attainment-all-11-cars-at-500"),
])
def test_tiers_on_attainment_percent(method, expected):
    plan = plan_from(f"""\
        pay:
          attainment_award:
            kind: tiers
            on: attainment
            method: {method}
            tiers:
              - {{from: 0, to: 80, amount: 0}}
              - {{from: 80, to: 100, amount: 300}}
              - {{from: 100, amount: 500}}
        """)
    deals = tuple(deal(f"D{n:02d}", f"2025-03-{n:02d}") for n in range(1, 12))
    result = run(plan, {"wang": {}}, {"wang": {"units_delivered": 10}}, deals=deals)["wang"]
    assert result.lines[0].amount == D(expected)


def test_flat_per_unit_and_per_model_with_split_credit():
    plan = plan_from("pay:\n  unit_award: {kind: per_unit, amount: 200, by_model: {XLCH: 300}}\n")
    deals = (deal("D1", "2025-03-01", model="XLCH"), deal("D2", "2025-03-02", model="XLYY"),
             shared_deal("D3", "2025-03-03", [("wang", "50", "A"), ("li", "50", "A")], model="XLCH"))
    line = run(plan, {"wang": {}}, deals=deals)["wang"].lines[0]
    assert line.amount == D(650)  # 300 + 200 + half of 300
    assert [(share.deal, share.quantity, share.amount) for share in line.deals] == [
        ("D1", 1, 300), ("D2", 1, 200), ("D3", D("0.5"), 150)]


def test_deals_outside_the_period_or_unwound_in_it_are_not_paid():
    plan = plan_from("pay:\n  unit_award: {kind: per_unit, amount: 200}\n")
    deals = (deal("D1", "2025-02-28"), deal("D2", "2025-03-01"), deal("D3", "2025-03-02", unwound="2025-03-20"),
             deal("D4", "2025-04-01"), deal("D5", "2025-03-31", unwound="2025-04-02"))
    line = run(plan, {"wang": {}}, deals=deals)["wang"].lines[0]
    assert [share.deal for share in line.deals] == ["D2", "D5"]


INSURANCE = """\
pay:
  insurance:
    kind: percent
    basis: insurance_premium
    rate_by: insurance_penetration
    tiers:
      - {to: 70, percent: 0}
      - {from: 70, to: 80, percent: 2}
      - {from: 80, to: 90, percent: 3}
      - {from: 90, percent: 4}
"""


@pytest.mark.parametrize(("penetration", "expected"), [
    pytest.param("69.99", "0", id="below-70-percent-pays-nothing"),
    pytest.param("85", "300", id="80-to-90-pays-3-percent"),
    pytest.param("90", "400", id="exactly-90-pays-the-higher-rate"),
])
def test_insurance_commission_rate_tiered_by_penetration(penetration, expected):
    deals = (deal("D1", "2025-03-01", insurance_premium=6000), deal("D2", "2025-03-02", insurance_premium=4000))
    result = run(plan_from(INSURANCE), {"wang": {"insurance_penetration": penetration}}, deals=deals)["wang"]
    assert result.lines[0].amount == D(expected)
    assert result.lines[0].inputs == {"insurance_penetration": D(penetration)}


def test_accessories_commission_tiered_by_accessories_per_car():
    plan = plan_from("""\
        pay:
          accessories:
            kind: percent
            basis: accessories_amount
            rate_by: accessories_amount_per_car
            tiers: [{to: 2000, percent: 3}, {from: 2000, to: 5000, percent: 5}, {from: 5000, percent: 8}]
        derived:
          accessories_amount_per_car: accessories_amount / units_delivered
        """)
    deals = (deal("D1", "2025-03-01", accessories_amount=5000), deal("D2", "2025-03-02", accessories_amount=1000))
    result = run(plan, {"wang": {"accessories_amount": 6000, "units_delivered": 2}}, deals=deals)["wang"]
    assert result.lines[0].amount == D(300)  # 3,000 a car: 5% of 6,000


@pytest.mark.parametrize(("kind", "rate", "expected"), [
    pytest.param("per_unit", "amount: 150", "300", id="finance-per-financed-car"),
    pytest.param("percent", "percent: 10", "260", id="finance-fee-percentage"),
])
def test_derivative_business_per_unit_or_percent(kind, rate, expected):
    basis = "finance_units" if kind == "per_unit" else "finance_fee"
    plan = plan_from(f"pay:\n  finance: {{kind: {kind}, basis: {basis}, {rate}}}\n")
    deals = (deal("D1", "2025-03-01", finance_units=1, finance_fee=1800), deal("D2", "2025-03-02"),
             deal("D3", "2025-03-03", finance_units=1, finance_fee=800))
    assert run(plan, {"wang": {}}, deals=deals)["wang"].lines[0].amount == D(expected)


def test_fines_are_negative_lines():
    plan = plan_from("pay:\n  price_breach: {kind: fine, count: price_floor_breaches, amount: 300}\n")
    line = run(plan, {"wang": {"price_floor_breaches": 2}})["wang"].lines[0]
    assert (line.category, line.amount) == ("fine", D(-600))


def test_manager_override_on_team_sales_above_a_threshold():
    plan = plan_from("""\
        pay:
          override:
            kind: percent
            scope: team
            basis: sales_amount
            above: 1000000
            percent: 0.1
        """, head="plan: m\nrole: sales_manager\n")
    deals = (deal("D1", "2025-03-01", "wang", "A", sales_amount=600000),
             deal("D2", "2025-03-02", "li", "A", sales_amount=500000),
             deal("D3", "2025-03-03", "zhao", "B", sales_amount=900000),
             shared_deal("D4", "2025-03-04", [("zhao", "50", "B"), ("li", "50", "A")], sales_amount=400000))
    result = run(plan, {"boss": {}}, deals=deals)["boss"]
    line = result.lines[0]
    assert line.amount == D(300)  # team A: 600k + 500k + half of 400k = 1.3M; 0.1% of the 300k above 1M
    assert [(share.deal, share.amount) for share in line.deals] == [("D1", 0), ("D2", 100), ("D4", 200)]


def test_split_credit_must_sum_to_100():
    shared = Deal("D1", Period(2025, 3).first_day, (Credit("wang", D(60)), Credit("li", D(30))))
    assert credit_errors(shared) == ["deal D1: shares sum to 90, not 100"]


# --- properties ----------------------------------------------------------------------------------


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Step, ...]:
    bounds = sorted(set(draw(st.lists(st.integers(min_value=1, max_value=100), max_size=4))))
    rates = sorted(draw(st.lists(st.decimals(min_value=0, max_value=1000, places=2),
                                 min_size=len(bounds) + 1, max_size=len(bounds) + 1)))
    lows = [0, *bounds]
    highs = [*bounds, None]
    return tuple(Step(D(low), None if high is None else D(high), rate) for low, high, rate in zip(lows, highs, rates,
                                                                                                  strict=True))


@given(steps=schedules(), position=st.decimals(min_value=0, max_value=200, places=2))
def test_retroactive_pays_at_least_marginal_when_rates_rise(steps, position):
    assert earned_to(position, steps, "retroactive") >= earned_to(position, steps, "marginal")


@given(steps=schedules(), start=st.decimals(min_value=0, max_value=50, places=1),
       quantities=st.lists(st.decimals(min_value=0, max_value=20, places=2), max_size=8),
       method=st.sampled_from(["marginal", "retroactive"]))
def test_deal_shares_add_up_to_the_periods_pay(steps, start, quantities, method):
    shares = attribute(start, [(f"D{n}", q) for n, q in enumerate(quantities)], steps, method)
    end = start + sum(quantities, Decimal(0))
    assert sum((share.amount for share in shares), Decimal(0)) == earned_to(end, steps, method) - earned_to(
        start, steps, method)


@st.composite
def shares_summing_to_100(draw: st.DrawFn) -> list[Decimal]:
    cuts = sorted(draw(st.lists(st.integers(min_value=1, max_value=9999), max_size=4, unique=True)))
    points = [0, *cuts, 10000]
    return [Decimal(b - a) / 100 for a, b in zip(points, points[1:], strict=False)]


@given(amount=st.decimals(min_value=-1_000_000, max_value=1_000_000, places=2), shares=shares_summing_to_100())
def test_split_credit_conserves_the_deals_amount(amount, shares):
    shared = Deal("D1", Period(2025, 3).first_day, tuple(Credit(f"p{n}", share) for n, share in enumerate(shares)),
                  {"front_gross_profit": amount})
    assert sum(credited(shared, "front_gross_profit").values(), Decimal(0)) == amount


def test_a_negative_month_is_carried_forward_not_dropped():
    plan = plan_from("pay:\n  fine: {kind: fine, count: complaints, amount: 10}\n")
    result = run(plan, {"wang": {"complaints": 1}})["wang"]
    assert line_amounts(result) == {"fine": D(-10), "balance": D(10)}
    assert (result.total, result.carried_balance) == (D(0), D(-10))
