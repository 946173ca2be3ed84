"""Tiers on each deal's own figure, not the period's running total, with an optional cap per deal."""

import pytest
from engine_helpers import HEAD, D, deal, plan_from, run, shared_deal

from dealerkpi.plans.engine.loader import PlanInvalid, load_plan_text
from dealerkpi.plans.engine.validate import check_plan

PROFIT = """\
pay:
  deal_profit:
    kind: tiers
    basis: front_gross_profit
    on: each_deal
    method: {method}
    tiers:
      - {{from: 0, up_to: 5000, percent: 5}}
      - {{above: 5000, percent: 10}}
{cap}"""


@pytest.mark.parametrize(("method", "cap", "shares"), [
    # marginal: 5% of the first 5,000 of each deal, 10% of the rest; the running total plays no part
    pytest.param("marginal", "", ["200", "250", "1250", "0"], id="marginal-each-deal-from-0"),
    # retroactive: a deal above 5,000 pays 10% of all of it
    pytest.param("retroactive", "", ["200", "250", "1500", "0"], id="retroactive-each-deal-at-its-band"),
    pytest.param("retroactive", "    cap_per_deal: 1000\n", ["200", "250", "1000", "0"], id="capped-per-deal"),
])
def test_each_deal_is_paid_on_its_own_figure(method, cap, shares):
    deals = (deal("D1", "2025-03-01", front_gross_profit=4000), deal("D2", "2025-03-02", front_gross_profit=5000),
             deal("D3", "2025-03-03", front_gross_profit=15000), deal("D4", "2025-03-04", front_gross_profit=-2000))
    line = run(plan_from(PROFIT.format(method=method, cap=cap)), {"wang": {}}, deals=deals)["wang"].lines[0]
    assert [share.amount for share in line.deals] == [D(share) for share in shares]
    assert line.amount == sum((D(share) for share in shares), D(0))


def test_a_shared_deal_is_banded_on_the_whole_deal_and_capped_before_it_is_shared():
    plan = plan_from(PROFIT.format(method="retroactive", cap="    cap_per_deal: 1000\n"))
    shared = shared_deal("D1", "2025-03-01", [("wang", "50", "A"), ("li", "50", "A")], front_gross_profit=8000)
    results = run(plan, {"wang": {}, "li": {}}, deals=(shared,))
    assert results["wang"].lines[0].amount == D(400)  # 10% of 8,000 is 800, under the cap; half each
    assert results["wang"].lines[0].values == {"cap_per_deal": D(1000)}


@pytest.mark.parametrize(("extra", "expected"), [
    pytest.param("    cap_per_deal: 100\n", "cap_per_deal caps each deal's pay, so it needs on: each_deal",
                 id="cap-needs-each-deal"),
    pytest.param("    on: each_deal\n    over: quarter\n", "on: each_deal pays each deal on its own figure",
                 id="each-deal-takes-no-window"),
    pytest.param("    on: each_deal\n    cap_per_deal: -5\n", "cap_per_deal must not be negative", id="negative-cap"),
])
def test_the_check_of_tiers_on_each_deal(extra, expected):
    body = "pay:\n  t:\n    kind: tiers\n    basis: front_gross_profit\n" + extra + \
           "    tiers: [{from: 0, percent: 5}]\n"
    with pytest.raises(PlanInvalid) as caught:
        check_plan(load_plan_text(HEAD + body))
    assert any(expected in str(error) for error in caught.value.errors), caught.value.errors
