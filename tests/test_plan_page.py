"""The plan page reads a plan as a document in the reader's language: indicators, weights, bonus, pay rules with
their band tables and payout curves, gates, limits, policies; the plan's own expressions only in the experts' fold,
the YAML one click away."""

from __future__ import annotations

import datetime
import html
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from dealerkpi.plans.engine import Credit, Deal, Period, PeriodInputs, Person, Target, evaluate_period, expr
from dealerkpi.plans.engine.catalogue import METRICS
from dealerkpi.plans.engine.curves import UNITS_TARGET
from dealerkpi.plans.engine.validate import plan_expressions
from dealerkpi.plans.metric_labels import DEFINITIONS
from dealerkpi.plans.models import Plan, PlanVersion, publish_version
from tests.world import PASSWORD, World, build_world

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
ROLES = {"consultant": "consultant", "supervisor": "supervisor", "sales_manager": "sales_manager"}
SECTIONS = ("section-indicators", "section-weights", "section-bonus", "section-pay", "section-gates",
            "section-limits", "section-policies", "document")
pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    world = build_world()
    group = world.stores["S1"].region.group
    for code, role in ROLES.items():
        plan = Plan.objects.create(group=group, code=code, name=f"{code} plan", role=role)
        publish_version(plan, (EXAMPLES / f"{code}.yaml").read_text(encoding="utf-8"), datetime.date(2026, 1, 1))
    return world


def page(client: Client, username: str, code: str, **query: str) -> str:
    client.login(username=username, password=PASSWORD)
    response = client.get(reverse("plan-detail", args=[Plan.objects.get(code=code).pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def visible(page_html: str) -> str:
    """The text a reader sees without opening a fold: no experts' fold, no YAML, no script data."""
    main = page_html.split("<main>", 1)[1]
    main = re.sub(r"<details class=\"(expert|yaml)\".*?</details>", " ", main, flags=re.S)
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def experts_fold(page_html: str) -> str:
    return html.unescape(" ".join(re.findall(r"<details class=\"expert\">.*?</details>", page_html, flags=re.S)))


def curves(page_html: str) -> dict[str, dict]:
    found = re.search(r'<script id="plan-curves" type="application/json">(.*?)</script>', page_html, flags=re.S)
    assert found, "no curve data on the page"
    return {curve["rule"]: curve for curve in json.loads(found.group(1))}


@pytest.mark.parametrize("code", ROLES)
def test_each_example_plan_reads_with_every_section(world: World, client: Client, code: str) -> None:
    shown = page(client, "ho_group", code)
    for section in SECTIONS:
        assert f'data-testid="{section}"' in shown, (code, section)
    plan = Plan.objects.get(code=code).versions.get().engine_plan()
    text = visible(shown)
    for indicator in plan.indicators:
        assert indicator.label in text
    for rule in plan.pay_rules:
        assert f'data-testid="rule-{rule.id}"' in shown and rule.label in text
    for gate in plan.gates:
        assert gate.label in text
    assert html.escape(plan.name) in shown  # the YAML, in its fold


@pytest.mark.parametrize("code", ROLES)
def test_no_expression_of_the_plan_shows_outside_the_experts_fold(world: World, client: Client, code: str) -> None:
    shown = page(client, "ho_group", code)
    text, fold = visible(shown), experts_fold(shown)
    plan = Plan.objects.get(code=code).versions.get().engine_plan()
    written = [expression for _where, expression in plan_expressions(plan)
               if not isinstance(expression.tree, expr.Number)]
    assert written
    for expression in written:
        assert expression.source not in text, expression.source
        assert expression.source in fold, expression.source
        for name in expr.names(expression.tree):
            if "_" in name.name or "." in name.name:  # a name of the plan, not a word
                assert name.name not in text, (expression.source, name.name)


def test_the_consultant_reads_labels_bands_and_the_engines_payout_curve(world: World, client: Client) -> None:
    shown = page(client, "c1", "consultant")
    text = visible(shown)
    assert "销量 (台)" in text and "全额累进销量奖" in text
    steps = re.search(r'data-testid="indicator-insurance".*?<table class="records bands">(.*?)</table>', shown, re.S)
    assert steps and len(re.findall(r"<tr>", steps.group(1))) == 1 + 4, "the score bands of 保险渗透率, with a heading"
    volume = re.search(r'data-testid="rule-volume_award".*?</article>', shown, re.S).group(0)
    assert len(re.findall(r"<tr>", volume)) == 1 + 4, "the four tiers of the volume award"
    assert 'id="curve-volume_award"' in volume

    curve = curves(shown)["volume_award"]
    assert curve["whole_units"]
    plan = Plan.objects.get(code="consultant").versions.get().engine_plan()
    period = Period(2026, 3)
    for units, pay in curve["points"]:
        deals = tuple(Deal(f"D{n}", period.first_day, (Credit("c1", team="T1"),)) for n in range(int(units)))
        result, = evaluate_period(plan, PeriodInputs(period, (Person("c1", role="consultant", team="T1"),),
                                                     deals=deals))
        line, = (line for line in result.lines if line.rule == "volume_award")
        assert Decimal(pay) == line.amount, (units, pay, line.amount)
    paid = [Decimal(pay) for _units, pay in curve["points"]]
    assert len(paid) > 8 and paid == sorted(paid), "0 to past the last tier, never less for more cars"


DEAL_AND_ATTAINMENT_TIERS = """
plan: tiers
name: 单车毛利与达成奖
role: consultant
version: "1"
pay:
  deal_profit:
    label: 单车毛利提成
    kind: tiers
    basis: front_gross_profit
    on: each_deal
    tiers:
      - {from: 0, up_to: 5000, percent: 5}
      - {above: 5000, percent: 10}
    cap_per_deal: 1000
  on_target:
    label: 达成奖
    kind: tiers
    on: attainment
    method: retroactive
    tiers:
      - {from: 0, below: 80, amount: 0}
      - {from: 80, below: 100, amount: 300}
      - {from: 100, amount: 500}
"""


def pay_of(plan, rule: str, deals: tuple[Deal, ...]) -> Decimal:  # noqa: ANN001
    """What the engine pays c1 by the rule for a month of these deals, against a target of 10 cars."""
    target = Target({"units_delivered": UNITS_TARGET}, person="c1")
    result, = evaluate_period(plan, PeriodInputs(Period(2026, 3), (Person("c1", role="consultant", team="T1"),),
                                                 targets=(target,), deals=deals))
    return next(line.amount for line in result.lines if line.rule == rule)


def test_curves_of_tiers_on_each_deal_and_on_attainment_are_the_engines_pay(world: World, client: Client) -> None:
    plan = Plan.objects.create(group=world.stores["S1"].region.group, code="tiers", name="tiers", role="consultant")
    publish_version(plan, DEAL_AND_ATTAINMENT_TIERS, datetime.date(2026, 1, 1))
    found = curves(page(client, "c1", "tiers"))
    engine_plan = plan.versions.get().engine_plan()
    day = Period(2026, 3).first_day
    deal_profit = found["deal_profit"]
    assert not deal_profit["whole_units"]
    for profit, pay in deal_profit["points"]:
        deal = Deal("D1", day, (Credit("c1", team="T1"),), {"front_gross_profit": Decimal(profit)})
        assert Decimal(pay) == pay_of(engine_plan, "deal_profit", (deal,)), profit
    assert Decimal(deal_profit["points"][-1][1]) == 1000, "drawn on to the cap a deal"
    for attainment, pay in found["on_target"]["points"]:
        cars = int(Decimal(attainment) * UNITS_TARGET / 100)
        deals = tuple(Deal(f"D{n}", day, (Credit("c1", team="T1"),)) for n in range(cars))
        assert Decimal(pay) == pay_of(engine_plan, "on_target", deals), attainment


def test_a_consultant_reads_only_their_roles_plan(world: World, client: Client) -> None:
    page(client, "c1", "consultant")
    for code in ("supervisor", "sales_manager"):
        assert client.get(reverse("plan-detail", args=[Plan.objects.get(code=code).pk])).status_code == 404
    assert "sales_manager plan" not in client.get(reverse("plan-list")).content.decode()
    for code in ROLES:
        page(client, "m1", code)


def test_the_page_reads_in_english(world: World, client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = visible(page(client, "c1", "consultant"))
    for words in ("Indicators", "Weights", "Commissions and awards", "Bonus coefficients", "Policies",
                  "Cars delivered", "your own monthly target", "higher is better", "Tiers on this month's total of",
                  "the whole total at the rate of the band it reaches", "A target not set", "Draw:"):
        assert words in text, words


def test_versions_are_chosen_and_a_version_that_no_longer_checks_shows_its_yaml(world: World, client: Client) -> None:
    plan = Plan.objects.get(code="consultant")
    first = plan.versions.get()
    publish_version(plan, first.document.replace("base: 1500", "base: 1800"), datetime.date(2026, 2, 1))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "The monthly bonus is 1,500 yuan" in visible(page(client, "c1", "consultant", v="1"))
    assert "The monthly bonus is 1,800 yuan" in visible(page(client, "c1", "consultant", v="2"))
    broken = first.document.replace("metric: units_delivered", "metric: units_sold", 1)
    PlanVersion.objects.create(plan=plan, number=3, document=broken, effective_from=datetime.date(2026, 3, 1))
    shown = page(client, "c1", "consultant", v="3")
    assert 'data-testid="unreadable"' in shown and "units_sold" in shown
    assert 'data-testid="section-indicators"' not in shown and 'data-testid="document"' in shown


def test_every_metric_of_the_catalogue_has_a_definition_for_readers() -> None:
    assert set(DEFINITIONS) == set(METRICS)
