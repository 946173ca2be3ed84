"""Plan health (studio.health): each check on crafted history (person-months evaluated by the engine itself on
crafted figures), the budget key of a plan, and the page, its scope and its parameters."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dealerkpi.org.models import DealerGroup, MinimumWage, Region, Store
from dealerkpi.org.scope import viewer_for
from dealerkpi.plans import engine
from dealerkpi.plans.engine import PlanInvalid, check_plan_text
from dealerkpi.plans.engine.schema import DealTiers
from dealerkpi.plans.models import Plan
from dealerkpi.studio.health import (
    Finding,
    cliffs,
    draft_health,
    history_health,
    last_complete_months,
    plan_health,
    plan_stores,
    reads,
)
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.replay import PersonMonth
from dealerkpi.studio.workflow import start_draft
from tests.world import World, at, delivered_deal, world_with_consultant_plan

pytestmark = pytest.mark.django_db
MONTHS = [engine.Period(2026, month) for month in range(1, 4)]
HEAD = """
plan: consultant
name: 顾问方案
role: consultant
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
"""
VOLUME = """
indicators:
  volume: {label: 销量, metric: units_delivered, target: person, scoring: {kind: linear, floor: 50, cap: 120}}
weights:
  default: {volume: 100}
"""
BASE = """
base_pay:
  - {amount: 3000}
"""


@dataclass
class Did:
    """What a person did in a month: cars delivered (each a deal with ``deal`` figures), other figures, targets."""

    person: str
    units: int = 0
    metrics: dict[str, Decimal | int] = field(default_factory=dict)
    targets: dict[str, Decimal | int] = field(default_factory=dict)
    deal: dict[str, Decimal | int] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def store() -> Store:
    group = DealerGroup.objects.create(code="HG", name="健康集团")
    region = Region.objects.create(group=group, code="HR", name="健康区")
    return Store.objects.create(region=region, code="HS", name="健康店", city="杭州")


def _deals(did: Did, period: engine.Period) -> list[engine.Deal]:
    figures = {name: Decimal(value) for name, value in did.deal.items()}
    return [engine.Deal(f"{did.person}-{period}-{n}", period.first_day + datetime.timedelta(days=n),
                        (engine.Credit(did.person, Decimal(100), "T"),), figures) for n in range(did.units)]


def replayed(plan: engine.Plan, store: Store, months: dict[engine.Period, list[Did]],
             minimum_wage: Decimal | None = None) -> list[PersonMonth]:
    """What replay() gives for the figures: the engine's result of each person's month under the plan."""
    rows = []
    for period, done in months.items():
        people = tuple(engine.Person(did.person, did.person, "", "T", minimum_wage=minimum_wage) for did in done)
        metrics = {did.person: {"units_delivered": Decimal(did.units),
                                **{name: Decimal(value) for name, value in did.metrics.items()}} for did in done}
        targets = {did.person: {name: Decimal(value) for name, value in did.targets.items()} for did in done}
        inputs = engine.PeriodInputs(
            period, people,
            actuals=tuple(engine.Actuals(did.person, "T", metrics[did.person]) for did in done),
            targets=tuple(engine.Target(targets[did.person], person=did.person) for did in done),
            deals=tuple(deal for did in done for deal in _deals(did, period)))
        for number, result in enumerate(engine.evaluate_period(plan, inputs), start=1):
            rows.append(PersonMonth(store.pk, period, number, result.person, None, result,
                                    engine.MonthRecord(period, metrics[result.person], targets[result.person])))
    return rows


def health(text: str, store: Store, months: dict[engine.Period, list[Did]],
           minimum_wage: Decimal | None = None) -> list[Finding]:
    plan = check_plan_text(text)
    return history_health(plan, replayed(plan, store, months, minimum_wage), [store], list(months))


def each_month(*done: Did) -> dict[engine.Period, list[Did]]:
    return {period: list(done) for period in MONTHS}


def of(findings: list[Finding], check: str) -> list[Finding]:
    return [finding for finding in findings if finding.check == check]


# --- 1. an indicator weighted with no target or no data -------------------------------------------------------------


MIX = HEAD + """
indicators:
  volume: {label: 销量, metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
  high_margin:
    {label: 高毛利车型, metric: "units_by_margin_class:high", target: person, scoring: {kind: linear, cap: 120}}
weights:
  default: {volume: 70, high_margin: 30}
pay:
  unit_award: {label: 单车奖, kind: per_unit, amount: 200}
""" + BASE


def test_an_indicator_weighted_with_no_target_in_any_month_is_found(store: Store) -> None:
    months = each_month(Did("王磊", 4, {"units_by_margin_class:high": 1}, {"units_delivered": 4}))
    found = of(health(MIX, store, months), "no_target")
    assert len(found) == 1 and found[0].severity == "warning"
    assert "高毛利车型" in found[0].sentence and "30" in found[0].sentence and "units_by" not in found[0].sentence
    assert [row.period for row in found[0].evidence] == ["2026-01", "2026-02", "2026-03"]


def test_a_target_missing_in_some_months_is_a_notice_and_set_targets_are_no_finding(store: Store) -> None:
    targets = {"units_delivered": 4, "units_by_margin_class:high": 2}
    months = each_month(Did("王磊", 4, {"units_by_margin_class:high": 1}, targets))
    assert of(health(MIX, store, months), "no_target") == []
    months[MONTHS[0]] = [Did("王磊", 4, {"units_by_margin_class:high": 1}, {"units_delivered": 4})]
    found = of(health(MIX, store, months), "no_target")
    assert [finding.severity for finding in found] == ["notice"]
    assert [row.period for row in found[0].evidence] == ["2026-01"]


def test_a_plan_that_stops_on_a_missing_target_is_found_from_the_persons_own_targets(store: Store) -> None:
    text = MIX.replace("missing_target: skip", "missing_target: error")
    findings = health(text, store, each_month(Did("王磊", 4, {}, {"units_delivered": 4})))
    assert len(of(findings, "not_computed")) == 1 and of(findings, "not_computed")[0].evidence[0].person == "王磊"
    assert [row.period for row in of(findings, "no_target")[0].evidence] == ["2026-01", "2026-02", "2026-03"]


def test_an_indicator_weighted_with_no_data_for_anyone_is_found(store: Store) -> None:
    text = MIX.replace('metric: "units_by_margin_class:high"', "metric: new_leads")
    targets = {"units_delivered": 4, "new_leads": 10}
    months = each_month(Did("王磊", 4, {}, targets), Did("刘洋", 2, {"new_leads": 0}, targets))
    found = of(health(text, store, months), "no_data")
    assert len(found) == 1 and "高毛利车型" in found[0].sentence
    months[MONTHS[1]] = [Did("王磊", 4, {"new_leads": 3}, targets)]
    assert of(health(text, store, months), "no_data") == []


# --- 2. a threshold nobody (or everybody) reached -------------------------------------------------------------------


STEPS = HEAD + """
indicators:
  insurance:
    label: 保险渗透率
    metric: insurance_penetration
    scoring:
      kind: steps
      on: actual
      bands:
        - {below: 70, score: 0}
        - {from: 70, below: 90, score: 60}
        - {from: 90, score: 100}
weights:
  default: {insurance: 100}
bonus:
  base: 1000
  coefficients:
    - {below: 60, coefficient: 0}
    - {from: 60, coefficient: 1}
""" + BASE


def test_a_band_nobody_reached_is_found_with_the_highest_levels(store: Store) -> None:
    months = each_month(Did("王磊", 3, {"insurance_penetration": 80}), Did("刘洋", 3, {"insurance_penetration": 85}))
    found = of(health(STEPS, store, months), "threshold_unreached")
    assert len(found) == 1 and "保险渗透率" in found[0].sentence and "90" in found[0].sentence
    assert found[0].evidence[0].person == "刘洋" and found[0].evidence[0].figures == ("85",)
    months[MONTHS[2]] = [Did("王磊", 3, {"insurance_penetration": 92})]
    assert of(health(STEPS, store, months), "threshold_unreached") == []


def test_a_band_everybody_reached_is_a_notice(store: Store) -> None:
    months = each_month(Did("王磊", 3, {"insurance_penetration": 80}), Did("刘洋", 3, {"insurance_penetration": 85}))
    everybody = of(health(STEPS, store, months), "threshold_all")
    assert {finding.severity for finding in everybody} == {"notice"}
    assert any("保险渗透率" in finding.sentence and "70" in finding.sentence for finding in everybody)
    assert any("bonus" in finding.sentence or "奖金" in finding.sentence for finding in everybody)  # scores 60 and up
    months[MONTHS[0]] = [Did("王磊", 3, {"insurance_penetration": 50})]
    assert of(health(STEPS, store, months), "threshold_all") == []


def test_a_linear_floor_nobody_reached_is_found_but_not_one_everybody_cleared(store: Store) -> None:
    text = HEAD + VOLUME + BASE
    months = each_month(Did("王磊", 1, {}, {"units_delivered": 4}), Did("刘洋", 1, {}, {"units_delivered": 5}))
    found = of(health(text, store, months), "threshold_unreached")
    assert len(found) == 1 and "销量" in found[0].sentence and "50" in found[0].sentence
    months = each_month(Did("王磊", 4, {}, {"units_delivered": 4}))
    assert of(health(text, store, months), "threshold_unreached") == []
    assert of(health(text, store, months), "threshold_all") == []


TIERS = HEAD + VOLUME + """
pay:
  volume_award:
    label: 全额累进销量奖
    kind: tiers
    method: retroactive
    tiers:
      - {from: 0, below: 3, amount: 0}
      - {from: 3, below: 5, amount: 200}
      - {from: 5, below: 7, amount: 300}
      - {from: 7, amount: 400}
""" + BASE


def test_a_pay_tier_nobody_reached_is_found(store: Store) -> None:
    months = each_month(Did("王磊", 4, {}, {"units_delivered": 4}), Did("刘洋", 2, {}, {"units_delivered": 4}))
    found = of(health(TIERS, store, months), "threshold_unreached")
    assert len(found) == 1 and "全额累进销量奖" in found[0].sentence
    assert found[0].evidence[0].figures == ("4",)


# --- 3. a cap reached by most ---------------------------------------------------------------------------------------


CAPPED = HEAD + VOLUME + """
pay:
  unit_award: {label: 单车奖, kind: per_unit, amount: 500}
limits:
  - {applies_to: [commission], cap: 1000}
""" + BASE


def test_a_cap_most_people_reach_is_found_with_what_it_held_back(store: Store) -> None:
    months = each_month(Did("王磊", 4, {}, {"units_delivered": 4}), Did("刘洋", 3, {}, {"units_delivered": 4}),
                        Did("陈静", 1, {}, {"units_delivered": 4}))
    found = of(health(CAPPED, store, months), "cap_reached")
    assert len(found) == 1 and found[0].severity == "warning"
    assert "6 of 9" in found[0].sentence and "2 of 3" in found[0].sentence and "4,500" in found[0].sentence
    assert found[0].evidence[0].person == "王磊" and found[0].evidence[0].figures[-1] == "1,000 yuan"
    months = each_month(Did("王磊", 4, {}, {"units_delivered": 4}), Did("刘洋", 1, {}, {"units_delivered": 4}),
                        Did("陈静", 1, {}, {"units_delivered": 4}))
    assert of(health(CAPPED, store, months), "cap_reached") == []


def test_a_score_cap_most_reach_is_a_notice(store: Store) -> None:
    months = each_month(Did("王磊", 6, {}, {"units_delivered": 4}), Did("刘洋", 5, {}, {"units_delivered": 4}))
    found = of(health(HEAD + VOLUME + BASE, store, months), "cap_reached")
    assert [finding.severity for finding in found] == ["notice"] and "120%" in found[0].sentence


# --- 4. a retroactive tier's cliff ----------------------------------------------------------------------------------


def test_a_retroactive_tier_whose_next_car_pays_far_more_is_a_cliff_with_who_stopped_below_it(store: Store) -> None:
    months = {MONTHS[0]: [Did("王磊", 2, {}, {"units_delivered": 4}), Did("刘洋", 6, {}, {"units_delivered": 4})],
              MONTHS[1]: [Did("王磊", 5, {}, {"units_delivered": 4}), Did("刘洋", 6, {}, {"units_delivered": 4})]}
    found = of(health(TIERS, store, months), "retroactive_cliff")
    assert len(found) == 1 and found[0].severity == "warning"
    sentence = found[0].sentence
    assert "全额累进销量奖" in sentence and "car 3 pays 600 yuan" in sentence and "car 5 pays 700 yuan" in sentence
    assert [(row.period, row.person, row.figures) for row in found[0].evidence] == [
        ("2026-01", "刘洋", ("6", "7", "6")), ("2026-01", "王磊", ("2", "3", "5")),
        ("2026-02", "刘洋", ("6", "7", "—"))]


def test_marginal_tiers_and_gentle_retroactive_steps_are_no_cliff(store: Store) -> None:
    months = each_month(Did("王磊", 2, {}, {"units_delivered": 4}))
    assert of(health(TIERS.replace("retroactive", "marginal"), store, months), "retroactive_cliff") == []
    gentle = check_plan_text(TIERS.replace("amount: 0}", "amount: 180}").replace("amount: 300}", "amount: 210}")
                             .replace("amount: 400}", "amount: 220}"))
    spec = gentle.pay_rules[0].spec
    assert isinstance(spec, DealTiers) and cliffs(spec, Decimal(100)) == []


def test_a_cliff_on_an_amount_is_a_lump_at_the_step() -> None:
    plan = check_plan_text(HEAD + VOLUME + """
pay:
  profit_award:
    label: 毛利提成
    kind: tiers
    basis: front_gross_profit
    method: retroactive
    tiers:
      - {from: 0, below: 100000, percent: 2}
      - {from: 100000, percent: 3}
""")
    spec = plan.pay_rules[0].spec
    assert isinstance(spec, DealTiers)
    assert [(cliff.start, cliff.jump, cliff.before) for cliff in cliffs(spec, Decimal(100))] == [
        (Decimal(100000), Decimal(1000), Decimal(2000))]


# --- 5. commission on revenue with no margin floor ------------------------------------------------------------------


REVENUE = HEAD + VOLUME + """
pay:
  sales_commission: {label: 销售额提成, kind: percent, basis: sales_amount, percent: 0.2}
""" + BASE


def test_commission_on_revenue_without_a_margin_floor_is_found_lowest_margins_first(store: Store) -> None:
    months = each_month(Did("王磊", 2, {"front_gross_profit": -3000}, {"units_delivered": 4},
                            {"sales_amount": 200000}),
                        Did("刘洋", 2, {"front_gross_profit": 9000}, {"units_delivered": 4}, {"sales_amount": 200000}))
    found = of(health(REVENUE, store, months), "revenue_without_margin_floor")
    assert len(found) == 1 and "销售额提成" in found[0].sentence and "sales_amount" not in found[0].sentence
    assert "4,800" in found[0].sentence  # 6 person-months of 2 cars x 200,000 x 0.2%
    assert found[0].evidence[0].person == "王磊" and found[0].evidence[0].figures == ("800 yuan", "-3,000 yuan")


def test_a_gate_on_gross_profit_is_a_margin_floor(store: Store) -> None:
    gated = REVENUE + """
gates:
  thin_margin:
    label: 毛利为负不发提成
    when: front_gross_profit < 0
    multiply: 0
    applies_to: [sales_commission]
"""
    months = each_month(Did("王磊", 2, {"front_gross_profit": -3000}, {"units_delivered": 4},
                            {"sales_amount": 200000}))
    assert of(health(gated, store, months), "revenue_without_margin_floor") == []


def test_a_margin_read_through_a_derived_value_or_an_indicator_counts() -> None:
    plan = check_plan_text(HEAD + """
derived:
  margin_ok: {label: 毛利达标, value: "achievement.profit >= 80"}
indicators:
  profit: {label: 毛利, metric: front_gross_profit, target: person, scoring: {kind: linear}}
weights:
  default: {profit: 100}
gates:
  g: {label: 毛利未达标, when: not margin_ok, multiply: 0}
""")
    assert reads(plan, plan.gates[0].when) == {"front_gross_profit"}


# --- 6. a sub-target met by shifting the mix ------------------------------------------------------------------------


MIX_TARGETS = {"units_delivered": 4, "units_by_margin_class:high": 2}


def test_a_sub_target_missed_while_the_total_is_met_and_pay_flows_ungated_is_found(store: Store) -> None:
    months = each_month(Did("王磊", 5, {"units_by_margin_class:high": 0}, MIX_TARGETS),
                        Did("刘洋", 4, {"units_by_margin_class:high": 2}, MIX_TARGETS))
    found = of(health(MIX, store, months), "mix_shift")
    assert len(found) == 1 and found[0].severity == "warning" and "高毛利车型" in found[0].sentence
    assert "3 person-months" in found[0].sentence and "3,000" in found[0].sentence
    assert [(row.person, row.figures) for row in found[0].evidence] == [("王磊", ("125%", "0%", "1,000 yuan"))] * 3


def test_a_gate_on_the_sub_target_that_holds_is_no_finding_and_one_that_does_not_is_a_notice(store: Store) -> None:
    gated = MIX + """
gates:
  product_mix:
    label: 高毛利未达标提成八折
    when: achievement.high_margin < 100
    multiply: 0.8
    applies_to: [commission]
"""
    months = each_month(Did("王磊", 5, {"units_by_margin_class:high": 0}, MIX_TARGETS))
    assert of(health(gated, store, months), "mix_shift") == []
    weak = gated.replace("achievement.high_margin < 100", "achievement.high_margin < 0")
    found = of(health(weak, store, months), "mix_shift")
    assert [finding.severity for finding in found] == ["notice"] and "高毛利未达标提成八折" in found[0].sentence


# --- 7. pay below the minimum wage ----------------------------------------------------------------------------------


LOW_BASE = HEAD + VOLUME + """
pay:
  unit_award: {label: 单车奖, kind: per_unit, amount: 500}
base_pay:
  - {amount: 1000}
"""


def test_pay_below_the_minimum_wage_not_topped_up_is_serious(store: Store) -> None:
    MinimumWage.objects.create(store=store, effective_from=datetime.date(2025, 1, 1), monthly_amount=Decimal("2490"))
    months = each_month(Did("王磊", 1, {}, {"units_delivered": 4}), Did("刘洋", 5, {}, {"units_delivered": 4}))
    found = of(health(LOW_BASE + "minimum_wage: flag\n", store, months, Decimal("2490")), "below_minimum_wage")
    assert [finding.severity for finding in found] == ["serious"]
    assert [(row.person, row.figures) for row in found[0].evidence] == [("王磊", ("1,500 yuan", "2,490 yuan"))] * 3


def test_a_plan_that_can_fall_below_the_minimum_wage_is_found_without_evidence(store: Store) -> None:
    MinimumWage.objects.create(store=store, effective_from=datetime.date(2025, 1, 1), monthly_amount=Decimal("2490"))
    months = each_month(Did("刘洋", 5, {}, {"units_delivered": 4}))
    found = of(health(LOW_BASE, store, months, Decimal("2490")), "below_minimum_wage")
    assert [finding.severity for finding in found] == ["warning"] and "健康店 (2,490 yuan)" in found[0].sentence
    assert of(health(HEAD + VOLUME + BASE, store, months, Decimal("2490")), "below_minimum_wage") == []


def test_a_top_up_is_a_notice_and_a_store_without_a_minimum_wage_is_said(store: Store) -> None:
    months = each_month(Did("王磊", 1, {}, {"units_delivered": 4}))
    findings = health(LOW_BASE + "minimum_wage: top_up\n", store, months)
    assert of(findings, "below_minimum_wage") == [] and "健康店" in of(findings, "no_minimum_wage")[0].sentence
    MinimumWage.objects.create(store=store, effective_from=datetime.date(2025, 1, 1), monthly_amount=Decimal("2490"))
    found = of(health(LOW_BASE + "minimum_wage: top_up\n", store, months, Decimal("2490")), "below_minimum_wage")
    assert [finding.severity for finding in found] == ["notice"] and "2,970" in found[0].sentence  # 3 x 990


# --- 8. pay over the budget -----------------------------------------------------------------------------------------


def test_a_stores_month_over_the_plans_budget_is_serious(store: Store, django_assert_max_num_queries) -> None:
    text = CAPPED + "budget: {per_store_month: 7000}\n"  # 3,000 base and at most 1,000 commission a person
    months = each_month(Did("王磊", 4, {}, {"units_delivered": 4}), Did("刘洋", 3, {}, {"units_delivered": 4}))
    months[MONTHS[1]] = [Did("王磊", 1, {}, {"units_delivered": 4}), Did("刘洋", 1, {}, {"units_delivered": 4})]
    plan = check_plan_text(text)
    rows = replayed(plan, store, months)
    with django_assert_max_num_queries(1):  # the stores' minimum wages; the checks read the rows alone
        findings = history_health(plan, rows, [store], list(months))
    found = of(findings, "over_budget")
    assert len(found) == 1 and found[0].severity == "serious" and "2 of 3" in found[0].sentence
    assert [(row.period, row.store, row.person, row.figures) for row in found[0].evidence] == [
        (month, "健康店", "", ("8,000 yuan", "0 yuan", "1,000 yuan")) for month in ("2026-01", "2026-03")]
    assert of(health(CAPPED, store, months), "over_budget") == []


def test_the_budget_key_is_read_and_checked() -> None:
    plan = check_plan_text(HEAD + VOLUME + "budget: {per_store_month: 250000}\n")
    assert plan.budget is not None and plan.budget.per_store_month == Decimal(250000)
    assert check_plan_text(HEAD + VOLUME).budget is None
    for wrong, message in (("{per_store_month: 0}", "must be above 0"), ("{per_store: 5}", "unknown key"),
                           ("5", "must be a mapping"), ("{}", "missing key 'per_store_month'")):
        with pytest.raises(PlanInvalid, match=message):
            check_plan_text(HEAD + VOLUME + f"budget: {wrong}\n")


# --- the window -----------------------------------------------------------------------------------------------------


def test_the_window_is_the_last_twelve_complete_months() -> None:
    window = last_complete_months(datetime.date(2026, 3, 15))
    assert window[0] == engine.Period(2025, 3) and window[-1] == engine.Period(2026, 2) and len(window) == 12


# --- through the replay, on a crafted world -------------------------------------------------------------------------

WORLD_PLAN = """
plan: consultant
name: 顾问方案
role: consultant
minimum_wage: flag
budget: {per_store_month: 2000}
policies: {division_by_zero: zero, missing_target: skip, missing_value: zero}
indicators:
  volume: {label: 销量, metric: units_delivered, target: person, scoring: {kind: linear, cap: 120}}
weights:
  default: {volume: 100}
base_pay:
  - {amount: 1000}
pay:
  volume_award:
    label: 全额累进销量奖
    kind: tiers
    method: retroactive
    tiers:
      - {from: 0, below: 3, amount: 0}
      - {from: 3, amount: 300}
"""
OCTOBER = engine.Period(2026, 10)


@pytest.fixture
def world() -> World:
    """S1's consultants in October 2026: c1 half a car, c2 one and a half, c3 two (tests/world.py, and one more)."""
    world = world_with_consultant_plan(WORLD_PLAN)
    delivered_deal(world, "c3", at(20))
    MinimumWage.objects.create(store=world.stores["S1"], effective_from=datetime.date(2025, 1, 1),
                               monthly_amount=Decimal("2490"))
    return world


def consultant_plan() -> Plan:
    return Plan.objects.get(code="consultant")


def test_the_checks_read_the_replay_of_the_stores_months(world: World) -> None:
    plan = consultant_plan()
    findings = plan_health(plan, check_plan_text(WORLD_PLAN), [world.stores["S1"]], [OCTOBER])
    budget = of(findings, "over_budget")[0]
    assert [(row.period, row.store, row.figures[0]) for row in budget.evidence] == [("2026-10", "S1店", "3,000 yuan")]
    below = of(findings, "below_minimum_wage")[0]
    assert below.severity == "serious" and sorted(row.person for row in below.evidence) == ["c1", "c2", "c3"]
    cliff = of(findings, "retroactive_cliff")[0]
    assert [(row.person, row.figures) for row in cliff.evidence] == [("c3", ("2", "3", "—"))]
    assert findings[0].severity == "serious" and findings[-1].severity in ("warning", "notice")


def test_a_draft_is_checked_on_the_plans_stores_the_viewer_sees(world: World) -> None:
    draft = start_draft(consultant_plan(), world.users["m1"])
    findings = draft_health(draft, viewer_for(world.users["m1"]))
    assert of(findings, "retroactive_cliff")  # from the tier table itself, whatever the months
    assert {row.store for finding in findings for row in finding.evidence} <= {"S1店"}
    assert [store.code for store in plan_stores(consultant_plan(), viewer_for(world.users["m1"]))] == ["S1"]
    assert [store.code for store in plan_stores(consultant_plan(), viewer_for(world.users["ho_group"]))] == [
        "S1", "S2", "S3"]
    draft.document = "plan: [unfinished"
    assert draft_health(draft) == []


# --- the page -------------------------------------------------------------------------------------------------------


def page(world: World, who: str, query: str = "") -> HttpResponse:
    client = Client()
    client.force_login(world.users[who])
    return client.get(reverse("plan-health", args=[consultant_plan().pk]) + query)


def test_the_page_checks_the_version_in_force_for_those_who_write_or_approve_the_plan(world: World) -> None:
    response = page(world, "m1")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="finding-retroactive_cliff"' in text and "S1店" in text and "S2店" not in text
    assert reverse("plan-detail", args=[consultant_plan().pk]) + "?v=1" in text  # what was checked: the version 1
    everywhere = page(world, "ho_group").content.decode()
    assert "S2店" in everywhere and "S3店" in everywhere


@pytest.mark.parametrize(("who", "status"), [("c1", 403), ("gm1", 403), ("sup1", 404), ("ho_g2", 404)])
def test_the_page_is_refused_to_those_who_do_not_write_or_approve_the_plan(world: World, who: str,
                                                                             status: int) -> None:
    assert page(world, who).status_code == status


def test_a_draft_of_the_plan_is_checked_and_wrong_parameters_are_field_errors(world: World) -> None:
    draft = start_draft(consultant_plan(), world.users["m1"])
    mine = page(world, "m1", f"?draft={draft.pk}")
    assert mine.status_code == 200 and reverse("draft-detail", args=[draft.pk]) in mine.content.decode()
    for query in ("?version=9", "?version=x", f"?version=1&draft={draft.pk}", f"?draft={draft.pk + 100}",
                  "?draft=99999999999999999999999"):
        response = page(world, "m1", query)
        assert response.status_code == 400 and "errorlist" in response.content.decode(), query
    other = start_draft(Plan.objects.create(group=world.stores["S1"].region.group, code="other", name="另一方案",
                                            role="consultant"), world.users["m1"])
    assert page(world, "m1", f"?draft={other.pk}").status_code == 400


def test_a_draft_that_is_no_plan_yet_says_why(world: World) -> None:
    draft = start_draft(consultant_plan(), world.users["m1"])
    PlanDraft.objects.filter(pk=draft.pk).update(document="plan: consultant\n")
    response = page(world, "m1", f"?draft={draft.pk}")
    assert response.status_code == 200 and 'data-testid="health-problems"' in response.content.decode()


def test_the_plan_page_links_the_health_of_the_version_shown_for_writers_only(world: World) -> None:
    url = reverse("plan-detail", args=[consultant_plan().pk])
    for who, shown in (("m1", True), ("ho_group", True), ("c1", False)):
        client = Client()
        client.force_login(world.users[who])
        text = client.get(url).content.decode()
        assert ('data-testid="health-link"' in text) is shown, who
        assert (reverse("plan-health", args=[consultant_plan().pk]) + "?version=1" in text) is shown, who
