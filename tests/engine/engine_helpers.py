"""Builders for the engine tests: a plan from YAML text, inputs from plain dicts, results by person."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from textwrap import dedent

from dealerkpi.plans.engine.catalogue import Catalogue
from dealerkpi.plans.engine.evaluate import evaluate_period
from dealerkpi.plans.engine.inputs import (
    Actuals,
    Credit,
    Deal,
    History,
    Period,
    PeriodInputs,
    Person,
    Rating,
    Target,
)
from dealerkpi.plans.engine.loader import load_plan_text
from dealerkpi.plans.engine.schema import Plan
from dealerkpi.plans.engine.trace import PersonResult
from dealerkpi.plans.engine.validate import check_plan

HEAD = """\
plan: test
name: test plan
role: consultant
version: "1"
policies: {division_by_zero: error, missing_target: error, missing_value: error}
"""


def D(value: str | int) -> Decimal:
    assert not isinstance(value, float), "tests write numbers as str or int"
    return Decimal(value)


def decimals(figures: dict) -> dict[str, Decimal]:
    return {name: D(value) for name, value in figures.items()}


def plan_from(body: str, head: str = HEAD, metrics: Catalogue | None = None) -> Plan:
    return check_plan(load_plan_text(head + dedent(body)), metrics)


def deal(id: str, day: str, person: str = "wang", team: str = "A", model: str = "", share: str = "100",
         unwound: str | None = None, **figures: str | int) -> Deal:
    return Deal(id, date.fromisoformat(day), (Credit(person, D(share), team),), decimals(figures), model,
                unwound_on=date.fromisoformat(unwound) if unwound else None)


def shared_deal(id: str, day: str, credits: list[tuple[str, str, str]], model: str = "",
                **figures: str | int) -> Deal:
    """A deal credited to several people: (person, share, team of the day) each."""
    return Deal(id, date.fromisoformat(day), tuple(Credit(p, D(s), t) for p, s, t in credits), decimals(figures),
                model)


def run(plan: Plan, actuals: dict[str, dict], targets: dict[str, dict] | None = None, *,
        teams: dict[str, str] | None = None, period: str = "2025-03", deals: tuple[Deal, ...] = (),
        history: dict[str, History] | None = None, ratings: tuple[Rating, ...] = (), stage: str | None = None,
        team_targets: dict[str, dict] | None = None, roles: dict[str, str] | None = None,
        metrics: Catalogue | None = None) -> dict[str, PersonResult]:
    teams = teams or {}
    roles = roles or {}
    people = tuple(Person(person, person, roles.get(person, plan.role), teams.get(person, "A"))
                   for person in actuals)
    inputs = PeriodInputs(
        Period.parse(period), people,
        actuals=tuple(Actuals(person, teams.get(person, "A"), decimals(figures))
                      for person, figures in actuals.items()),
        targets=tuple(Target(decimals(figures), person=person) for person, figures in (targets or {}).items())
        + tuple(Target(decimals(figures), team=team) for team, figures in (team_targets or {}).items()),
        deals=deals, ratings=ratings, history=history or {}, stage=stage,
    )
    return {result.person: result for result in evaluate_period(plan, inputs, metrics)}


def line_amounts(result: PersonResult) -> dict[str, Decimal]:
    """Amount by rule id (gate and adjustment lines by `kind:rule`)."""
    amounts: dict[str, Decimal] = {}
    for line in result.lines:
        key = line.rule if line.kind not in ("gate", "cap", "floor") else f"{line.kind}:{line.rule}"
        amounts[key] = amounts.get(key, Decimal(0)) + line.amount
    return amounts
