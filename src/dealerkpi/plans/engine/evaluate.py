"""Evaluate a plan for a period: per person, indicator results, the total score, payout lines and the total.

    results = evaluate_period(plan, inputs)

Order for each person: derived values, the indicators the weight set needs and the total score (in
dependency order); earned lines (base pay, bonus, pay rules); gates; caps and floors; the draw; the
guaranteed minimum; the minimum wage; clawbacks; balances brought and carried forward.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import DecimalException
from typing import Any

from dealerkpi.core.money import ZERO

from .adjust import (
    balance_lines,
    clawback_lines,
    draw_lines,
    gate_lines,
    guarantee_lines,
    limit_lines,
    minimum_wage_lines,
    paid_for_deals,
)
from .catalogue import Catalogue, catalogue
from .commissions import PeriodDeals, deals_of_period
from .context import Context
from .figures import Figures, gather_figures
from .inputs import Deal, History, PeriodInputs, Person, Rating, credit_errors
from .pay import base_pay_line, bonus_line, earned_lines
from .policy import EvaluationError, Skipped
from .schema import Plan, WeightSet
from .scoring import describe, indicator_result, total_score, weighted
from .trace import IndicatorResult, Item, PayoutLine, PersonResult, Wording
from .validate import GraphNode, scorecard_order

Described = Mapping[str, tuple[str, Wording]]  # each indicator's scoring rule in words, by indicator id


def _scorecard(
    plan: Plan, prepared: _Prepared, context: Context, ratings: Mapping[str, Rating], stage: str | None
) -> tuple[IndicatorResult, ...]:
    """Compute derived values, indicators and the total score in dependency order into the context."""
    weight_set = prepared.weight_set
    if plan.weight_sets and weight_set is None:
        sets = ", ".join(known.stage for known in plan.weight_sets)
        raise EvaluationError(f"no weight set for stage {stage!r} and no default set (the plan weights {sets})")
    results: dict[str, IndicatorResult] = {}
    for node in prepared.order:
        if node.kind == "derived":
            try:
                with context.evaluating(Item("derived", node.name, node.name)):
                    context.computed[f"derived.{node.name}"] = context.evaluate(dict(plan.derived)[node.name])[0]
            except Skipped:
                context.computed[f"derived.{node.name}"] = None
        elif node.kind == "indicator":
            indicator = plan.indicator(node.name)
            assert indicator is not None
            result = indicator_result(indicator, context, ratings.get(node.name), prepared.rules[node.name])
            results[node.name] = result
            context.computed.update(
                {
                    f"actual.{node.name}": result.actual,
                    f"score.{node.name}": result.score,
                    f"achievement.{node.name}": result.achievement,
                }
            )
        else:
            scored = weighted([results[i.id] for i in plan.indicators if i.id in results], weight_set)
            results = {result.id: result for result in scored}
            context.computed["total_score"] = total_score(scored)
    return tuple(results[indicator.id] for indicator in plan.indicators if indicator.id in results)


def _pay(
    plan: Plan,
    context: Context,
    inputs: PeriodInputs,
    deals: PeriodDeals,
    notes: list[str],
) -> dict[str, Any]:
    """Earned lines and every adjustment, in order: the result's fields they give."""
    history = inputs.history.get(context.person.id, History())
    score = context.computed.get("total_score") or ZERO
    bonus, coefficient = bonus_line(plan, context, score, notes)
    earned = [line for line in (base_pay_line(plan, context, notes), bonus) if line is not None]
    earned += earned_lines(plan, deals, context, notes)
    gates, gated = gate_lines(plan, context, earned, notes)
    lines: list[PayoutLine] = [*earned, *gated]
    lines += limit_lines(plan, lines)
    paid = paid_for_deals(earned, lines)
    drawn, outstanding = draw_lines(plan.draw, lines, history.draw_outstanding)
    lines += drawn
    lines += guarantee_lines(plan.guaranteed_minimum, lines)
    lines += minimum_wage_lines(plan, context, lines)
    lines += clawback_lines(inputs.deals, context.person.id, inputs.period, history, notes)
    balances, carried = balance_lines(history, lines)
    lines += balances
    return {"coefficient": coefficient, "gates": gates, "lines": tuple(lines), "carried_balance": carried,
            "draw_outstanding": outstanding, "paid_for_deals": paid}


@dataclass(frozen=True)
class _Prepared:
    """What every person's evaluation under the plan shares, worked out once a period."""

    weight_set: WeightSet | None  # the plan's for the store's stage, else its default; None: it has neither
    order: Sequence[GraphNode]
    figures: Figures
    deals: PeriodDeals
    rules: Described
    added_back: tuple[Deal, ...]


def evaluate_person(plan: Plan, prepared: _Prepared, inputs: PeriodInputs, person: Person,
                    ratings: Mapping[str, Rating]) -> PersonResult:
    """One person's result; an error under the `error` policy is reported on the result, not raised."""
    weight_set = prepared.weight_set
    context = Context(plan, prepared.figures, person, inputs.period)
    notes = [
        f"deal {deal.id} unwound on {deal.unwound_on}: its figures stay in this month's actuals (unwinds: "
        f"{plan.unwinds}); only the pay is clawed back"
        for deal in prepared.added_back
        if any(credit.person == person.id for credit in deal.credits)
    ]
    found: dict[str, Any] = {}
    try:
        indicators = _scorecard(plan, prepared, context, ratings, inputs.stage)
        found.update(
            indicators=indicators,
            derived={name: context.computed[f"derived.{name}"] for name, _ in plan.derived},
            total_score=context.computed.get("total_score"),
        )
        found.update(_pay(plan, context, inputs, prepared.deals, notes))
    except EvaluationError as error:
        found["error"] = str(error)
    except DecimalException as error:  # a figure beyond what exact decimals hold, e.g. a product of huge inputs
        found["error"] = f"a figure of {person.id} is too large to compute ({type(error).__name__})"
    return PersonResult(
        person.id, person.name, person.team, plan.id, plan.version, str(inputs.period), stage=inputs.stage or "",
        weight_set=weight_set.stage if weight_set else "", notes=tuple(notes), warnings=tuple(context.warnings),
        **found,
    )


def added_back(plan: Plan, inputs: PeriodInputs) -> tuple[Deal, ...]:
    """The deals whose figures go back into the actuals: under `unwinds: reverse_pay_only`, those delivered in
    an earlier period and unwound in this one."""
    if plan.unwinds != "reverse_pay_only":
        return ()
    return tuple(deal for deal in inputs.deals if deal.reversed_in(inputs.period))


def input_errors(inputs: PeriodInputs) -> list[str]:
    """Problems in the inputs that stop the whole run: split credit not summing to 100."""
    return [problem for deal in inputs.deals for problem in credit_errors(deal)]


def evaluate_period(plan: Plan, inputs: PeriodInputs, metrics: Catalogue | None = None) -> tuple[PersonResult, ...]:
    """Evaluate the plan for every person in the inputs whose role is the plan's (or who has no role).

    The plan must have passed validation (validate.check_plan). Raises EvaluationError for inputs
    that cannot be used at all.
    """
    problems = input_errors(inputs)
    if problems:
        raise EvaluationError("; ".join(problems))
    unwound, weight_set = added_back(plan, inputs), plan.weight_set(inputs.stage)
    prepared = _Prepared(
        weight_set=weight_set,
        order=scorecard_order(plan, weight_set),
        figures=gather_figures(inputs, metrics or catalogue(), unwound),
        deals=deals_of_period(inputs.deals, inputs.period),
        rules={indicator.id: describe(indicator) for indicator in plan.indicators},
        added_back=unwound,
    )
    ratings: dict[str, dict[str, Rating]] = defaultdict(dict)
    for rating in inputs.ratings:
        ratings[rating.person][rating.indicator] = rating
    return tuple(
        evaluate_person(plan, prepared, inputs, person, ratings.get(person.id, {}))
        for person in inputs.people
        if person.role in ("", plan.role)
    )
