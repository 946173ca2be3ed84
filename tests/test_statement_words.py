"""Statements in words (issue 13, "Read"): plan authors label derived values; a consultant reads each line of their
statement as a sentence with its figures, every figure named by its label, and no name or expression of the plan or
the engine unless they open the calculation details. Checked on the example consultant plan in the hand-built world,
in Chinese and in English, on the page and in the PDF."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dealerkpi.demo_data.management.commands.demo import DEMO_SEED
from dealerkpi.org.models import MinimumWage, Store
from dealerkpi.org.scope import viewer_for
from dealerkpi.pay import exports, runs, workflow
from dealerkpi.pay.explain import Wordbook, plain, quantity
from dealerkpi.pay.models import Run, Statement
from dealerkpi.plans.engine import Period, PlanInvalid, check_plan_text, expr
from dealerkpi.plans.engine.catalogue import METRICS
from dealerkpi.plans.engine.validate import plan_expressions
from dealerkpi.plans.metric_labels import LABELS
from dealerkpi.plans.wording import STANDARD_WEIGHTS, TOTAL_SCORE, WORDINGS
from dealerkpi.targets.models import Target
from tests.world import PASSWORD, World, world_with_consultant_plan

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
CONSULTANT = (EXAMPLES / "consultant.yaml").read_text("utf-8")
OCTOBER = datetime.date(2026, 10, 1)
# S1's consultants' own targets of the month: every target the example consultant plan reads
TARGETS = {"units_delivered": "2", "units_by_margin_class:high": "1", "front_gross_profit": "8000", "new_leads": "3",
           "visit_to_order_rate": "60"}
IDENTIFIER = re.compile(r"[A-Za-z]\w*_\w+|\b(?:target|team|quarter|year|achievement|score|actual)\.\w")


# --- the plan: labels of derived values


def test_a_derived_value_is_labelled_in_the_plan_and_the_label_is_checked() -> None:
    plan = check_plan_text(CONSULTANT)
    assert plan.derived_label("test_drive_factor") == "试驾系数" and plan.derived_label("closing_factor") == "成交系数"
    assert dict(plan.derived)["unit_completion"].source == "units_delivered / target.units_delivered * 100"
    formula = "min(1.2, test_drive_rate / team.avg.test_drive_rate)"
    written = f"  test_drive_factor:\n    label: 试驾系数\n    value: {formula}\n"
    assert written in CONSULTANT
    unlabelled = CONSULTANT.replace(written, f"  test_drive_factor: {formula}\n")
    assert check_plan_text(unlabelled).derived_label("test_drive_factor") == "", "the short form stays valid"
    wrong = {
        "    label: 试驾系数\n    unit: x\n": "unknown key 'unit'; expected one of label, value",
        "    label: " + "试" * 41 + "\n": "derived test_drive_factor: a label is 1 to 40 characters of words",
        "    label: ''\n": "derived test_drive_factor: a label is 1 to 40 characters of words",
        "    label: 成交系数\n": "derived closing_factor: the label '成交系数' is also derived test_drive_factor's",
    }
    for label, error in wrong.items():
        with pytest.raises(PlanInvalid, match=re.escape(error)):
            check_plan_text(CONSULTANT.replace("    label: 试驾系数\n", label), "consultant.yaml")
    with pytest.raises(PlanInvalid, match="missing key 'value'"):
        check_plan_text(CONSULTANT.replace("    value: min(1.2, test_drive_rate / team.avg.test_drive_rate)\n", ""))


@pytest.mark.parametrize("name", ["consultant", "supervisor", "sales_manager"])
def test_every_derived_value_of_the_example_plans_has_a_label(name: str) -> None:
    plan = check_plan_text((EXAMPLES / f"{name}.yaml").read_text("utf-8"))
    assert plan.derived and all(plan.derived_label(derived) for derived, _ in plan.derived)


# --- a consultant's statement


class _Visible(HTMLParser):
    """The text of a page a reader sees without opening anything: <details>, scripts and styles left out."""

    HIDDEN = ("details", "script", "style", "template")

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible(content: str) -> str:
    main = content[content.index("<main>"):content.index("</main>")]
    parser = _Visible()
    parser.feed(main)
    return " ".join(" ".join(parser.parts).split())


def rows(content: str) -> list[str]:
    """The visible text of each row of the pay lines."""
    table = content[content.index('data-testid="lines"'):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    return [visible(f"<main>{row}</main>") for row in body.split("<tr>")[1:]]


def world_of(document: str) -> World:
    """The hand-built world with `document` as the consultant plan, the consultants' targets and a minimum wage."""
    world = world_with_consultant_plan(document)
    Target.objects.bulk_create(
        Target(store=world.stores["S1"], staff=world.staff[person], month=OCTOBER, metric=metric, value=Decimal(value))
        for person in ("c1", "c2", "c3") for metric, value in TARGETS.items())
    MinimumWage.objects.create(store=world.stores["S1"], effective_from=datetime.date(2025, 1, 1),
                               monthly_amount=Decimal("2490"))
    return world


def submitted(world: World) -> Statement:
    """c1's statement of October, submitted: what the consultant reads."""
    run = runs.compute(runs.new_run(world.stores["S1"], Period(2026, 10)))
    assert run.status == Run.Status.DRAFT, run.error
    workflow.submit(run, viewer_for(world.users["m1"]), world.users["m1"])
    return Statement.objects.get(run=run, staff=world.staff["c1"])


@pytest.fixture
def statement() -> Statement:
    return submitted(world_of(CONSULTANT))


def page(client, statement: Statement, language: str) -> str:
    return page_of(client, statement, "c1", language)


def page_of(client, statement: Statement, username: str, language: str) -> str:
    client.login(username=username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("statement-detail", args=[statement.pk]))
    assert response.status_code == 200
    return response.content.decode()


def plan_names(statement: Statement) -> set[str]:
    """Every name of the consultant's plan and of the engine a statement might show: ids, derived values, the
    metrics the plan names, the names its lines and gates read, the engine's intermediate values."""
    plan = check_plan_text(statement.plan_version.document)
    names = {name for name, _ in plan.derived} | {indicator.id for indicator in plan.indicators if "_" in indicator.id}
    names |= {rule.id for rule in plan.pay_rules if "_" in rule.id} | {gate.id for gate in plan.gates}
    names |= {found.name for _, expression in plan_expressions(plan) for found in expr.names(expression.tree)}
    names |= {name for line in statement.lines.all() for name in (*line.inputs, *line.values)}
    names |= {name for gate in statement.gates for name in gate["inputs"]} | {"default"}
    return names | {metric for metric in METRICS if "_" in metric}


def in_words_of(names: set[str], language: str) -> set[str]:
    """The names a page in `language` must not show: in Chinese, every one; in English, those that are not words
    (rate, draw, target... are English words as well as the engine's names)."""
    return names if language.startswith("zh") else {name for name in names if "_" in name or "." in name}


def assert_no_name_of_the_plan(text: str, names: set[str]) -> None:
    shown = [name for name in names if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", text)]
    assert shown == [], f"names of the plan or the engine in the words: {shown}"
    assert IDENTIFIER.search(text) is None, IDENTIFIER.search(text)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_consultant_reads_their_statement_without_a_name_of_the_plan(statement: Statement, client,
                                                                       language: str) -> None:
    content = page(client, statement, language)
    shown = visible(content)
    assert_no_name_of_the_plan(shown, in_words_of(plan_names(statement), language))
    with translation.override(language):
        assert str(STANDARD_WEIGHTS) in shown, "the weight set by its words"
        for metric in ("units_delivered", "accessories_amount"):
            assert str(LABELS[metric]) in shown, metric
    assert "试驾系数" in shown and "成交系数" in shown, "derived values by the plan's labels"
    details = content[content.index('data-testid="lines"'):]
    assert "test_drive_factor = " in details and "multiply_by: test_drive_factor * closing_factor" in details, \
        "the names and expressions are still there, folded, for experts and HR"
    assert "<details open" not in content, "the details are closed until opened"


@pytest.mark.django_db
def test_each_line_says_its_figures_and_comes_to_its_amount(statement: Statement, client) -> None:
    said = dict(zip([line.rule or line.kind for line in statement.lines.all()], rows(page(client, statement, "en")),
                    strict=True))
    for line in statement.lines.all():
        assert f"{line.amount:,.2f}" in said[line.rule or line.kind], (line.rule, said[line.rule or line.kind])
    award = statement.lines.get(rule="unit_award")
    factors = {name: plain(Decimal(value)) for name, value in award.inputs.items()}
    units = sum(Decimal(deal["quantity"]) for deal in award.deals)
    assert (f"{plain(units)} cars" in said["unit_award"] and f"试驾系数 {factors['test_drive_factor']} × 成交系数 "
            f"{factors['closing_factor']}" in said["unit_award"])
    assert "试驾系数 = the lower of 1.2" in said["unit_award"], "a derived value with its formula in words"
    gate = statement.gates[0]
    assert gate["held"], "c1 delivered half a car of a target of 2: under 60%"
    with translation.override("en"):
        condition = (f"{LABELS['units_delivered']} {plain(Decimal(gate['inputs']['units_delivered']))} cars < 60% × "
                     f"target: {LABELS['units_delivered']} 2 cars")
    assert condition in said["under_60"] and "Commission × 0" in said["under_60"]
    assert "the whole total at 0 yuan per car" in said["volume_award"], "the tier reached, in the plan's bands"
    assert "below 3 cars" in said["volume_award"] or "0–3 cars" in said["volume_award"]


@pytest.mark.django_db
def test_a_statement_is_put_in_words_once_for_each_language_and_reader(statement: Statement, client) -> None:
    """The statement's body (scorecard, gates, pay lines) is rendered once and kept (pay.views.statement_body): read
    again, it is the same in fewer queries; kept apart for each language and for who may question a line."""
    url = reverse("statement-detail", args=[statement.pk])

    def read(username: str, language: str) -> tuple[str, int]:
        client.login(username=username, password=PASSWORD)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return response.content.decode(), len(captured)

    first, first_queries = read("c1", "en")
    again, again_queries = read("c1", "en")
    assert rows(again) == rows(first) and again_queries <= first_queries - 2, (first_queries, again_queries)
    assert "data-query-line" in first, "the consultant may question each line"
    chinese, _queries = read("c1", "zh-hans")
    assert rows(chinese) != rows(first) and "交车台数" in visible(chinese)
    managers, _queries = read("m1", "en")
    assert "data-query-line" not in managers, "the sales manager answers questions, asks none"
    assert [row.removesuffix(" Question this") for row in rows(first)] == rows(managers)


@pytest.mark.django_db
def test_the_pdf_says_the_same_words(statement: Statement) -> None:
    with translation.override("en"):
        shown = Wordbook([statement]).statement(statement)
        text = html.unescape(exports.statements_html(Statement.objects.filter(pk=statement.pk)))
    for shown_line in shown.lines:
        assert shown_line.label in text and shown_line.said.words in text
    assert all(gate.said.words in text for gate in shown.gates) and "试驾系数 = the lower of 1.2" in text
    assert_no_name_of_the_plan(text, in_words_of(plan_names(statement), "en"))


@pytest.mark.django_db
def test_a_line_the_engine_named_with_an_expression_is_named_in_words(client) -> None:
    """Base pay by result is labelled with its condition (基本工资（total_score >= 80）): said in words."""
    statement = submitted(world_of(CONSULTANT.replace("when: total_score >= 80", "when: total_score >= 20")))
    base_pay = statement.lines.get(kind="base_pay")
    assert base_pay.wording == {"key": "base_pay_when", "args": {"when": "total_score >= 20"}}
    content = page(client, statement, "zh-hans")
    with translation.override("zh-hans"):
        said = f"{TOTAL_SCORE} {quantity(statement.total_score, 'score')} ≥ 20："
        label = str(WORDINGS["base_pay_when"]) % {"when": f"{TOTAL_SCORE} ≥ 20"}
    shown = visible(content)
    assert label in shown and said in shown, shown
    assert "total_score" not in visible(content) and "total_score &gt;= 20" in content, "in the details only"


# A plan with the rule kinds the example plans leave out: marginal tiers in whole cars, tiers on each deal, a percent
# above a fixed threshold, a formula, base pay by a derived value, a gate multiplying by an expression, a cap and a
# guaranteed minimum.
KINDS = """
plan: words_consultant
name: 说明测试方案
role: consultant
version: "w1"
policies: {division_by_zero: zero, missing_target: zero, missing_value: zero}
derived:
  completion:
    label: 完成率
    value: units_delivered / 2 * 100
indicators:
  volume:
    label: 销量
    metric: units_delivered
    target: 2
    scoring: {kind: linear, cap: 120}
weights:
  default: {volume: 100}
base_pay:
  - {when: completion >= 40, amount: 2000}
  - {amount: 1000}
pay:
  marginal:
    label: 超额累进奖
    kind: tiers
    method: marginal
    tiers:
      - {units: 1, amount: 100}
      - {units: 2+, amount: 300}
  each:
    label: 单车毛利奖
    kind: tiers
    basis: front_gross_profit
    on: each_deal
    cap_per_deal: 500
    tiers:
      - {from: 0, below: 5000, percent: 2}
      - {from: 5000, percent: 5}
  profit:
    label: 超额销售额提成
    kind: percent
    basis: sales_amount
    above: 100000
    percent: 1
  leads:
    label: 客户开发奖
    kind: formula
    amount: if(new_leads >= 1, 50 * new_leads, 0)
gates:
  low:
    label: 完成率不足, 提成按完成率发放
    when: completion < 100
    multiply: completion / 100
    applies_to: [commission]
limits:
  - {applies_to: [commission], cap: 100}
guaranteed_minimum: 5000
"""


@pytest.mark.django_db
def test_every_kind_of_rule_is_said_in_words(client) -> None:
    world = world_with_consultant_plan(KINDS)
    run = submitted(world).run
    c2 = Statement.objects.get(run=run, staff=world.staff["c2"])  # 1.5 cars: half of c1's deal and one of their own
    assert {line.kind for line in c2.lines.all()} >= {"base_pay", "tiers", "percent", "formula", "gate", "cap",
                                                       "guarantee"}
    for language in ("zh-hans", "en"):
        content = page_of(client, c2, "c2", language)
        assert_no_name_of_the_plan(visible(content), in_words_of(plan_names(c2), language))
        said = dict(zip([line.rule for line in c2.lines.all()], rows(content), strict=True))
        assert all(f"{line.amount:,.2f}" in said[line.rule] for line in c2.lines.all()), said
    assert "car 1: 1 cars × 100 yuan per car + car 2 and on: 0.5 cars × 300 yuan per car = 250.00" in said["marginal"]
    assert "at most 500.00 yuan a deal" in said["each"]
    assert "the part above 100,000.00 yuan: 208,700.00 yuan × 1% = 2,087.00 yuan" in said["profit"]
    with translation.override("en"):
        units, leads = str(LABELS["units_delivered"]), str(LABELS["new_leads"])
    assert f"50 × {leads} 2 if {leads} 2 ≥ 1, otherwise 0 = 100.00" in said["leads"]
    gate = "完成率不足, 提成按完成率发放 (× 完成率 75 ÷ 100 = 0.75)"
    assert said["low"].startswith(gate) and f"完成率 = {units} 1.5 cars ÷ 2 × 100 = 75" in said["low"]
    assert said["base_pay"].startswith("Base pay (完成率 ≥ 40)") and "完成率 75 ≥ 40: 2,000.00 yuan" in said["base_pay"]


@pytest.fixture(scope="module")
def demo_october(django_db_setup, django_db_blocker) -> Iterator[list[Statement]]:
    """Every statement of October 2026 in the demo group: the four example plans at work on a realistic month."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("generate", scale="S", seed=DEMO_SEED, until=datetime.date(2026, 11, 30), stdout=StringIO())
        for store in Store.objects.order_by("code"):
            assert not runs.compute(runs.new_run(store, Period(2026, 10))).error
        yield list(Statement.objects.select_related("plan_version__plan").prefetch_related("lines", "indicators"))
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_statement_of_the_demo_month_is_said_without_a_name_of_its_plan(demo_october: list[Statement],
                                                                              language: str) -> None:
    with translation.override(language):
        book = Wordbook(demo_october)
        for statement in demo_october:
            shown = book.statement(statement)
            said = [shown.weight_set, *(row.rule for row in shown.indicators), *(row.note for row in shown.indicators)]
            said += [text for gate in shown.gates for text in (gate.label, gate.said.words, *gate.said.where)]
            said += [text for line in shown.lines for text in (line.label, line.said.words, *line.said.where)]
            assert_no_name_of_the_plan(" ".join(said), in_words_of(plan_names(statement), language))
            for line in shown.lines:
                assert quantity(line.line.amount, "yuan") in line.said.words, (line.label, line.said.words)
    assert {statement.plan_version.plan.code for statement in demo_october} == {
        "consultant", "consultant_probation", "supervisor", "sales_manager"}
