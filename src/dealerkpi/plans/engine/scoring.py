"""Indicator scores: linear with floor and cap, step tables, pass/fail, deductions, manual ratings;
and the weighted total score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from dealerkpi.core.money import HUNDRED, ZERO

from .context import Context
from .inputs import Rating
from .policy import EvaluationError, Skipped
from .schema import Deductions, Indicator, Linear, Manual, PassFail, Steps, WeightSet
from .trace import IndicatorResult, Item, Wording, wording

TWO = Decimal(2)


def achievement(actual: Decimal, target: Decimal, direction: str, context: Context, what: str) -> Decimal:
    """Percent of target: actual / target; lower-is-better: (2 - actual / target), so on target it is 100."""
    ratio = context.divide(actual, target, f"achievement.{what}", f"achievement of {what}, target is 0")
    return (ratio if direction == "higher" else TWO - ratio) * HUNDRED


def linear_score(scoring: Linear, achieved: Decimal) -> Decimal:
    """The achievement % itself, capped; 0 below the floor."""
    return ZERO if achieved < scoring.floor else max(ZERO, min(scoring.cap, achieved))


def step_score(scoring: Steps, level: Decimal) -> Decimal:
    band = scoring.table.band(level)
    return band.value if band else ZERO


def pass_fail_score(scoring: PassFail, passed: bool) -> Decimal:
    return scoring.passed if passed else scoring.failed


def deduction_score(scoring: Deductions, incidents: Decimal) -> Decimal:
    """100 less the deduction for each incident, never below the floor."""
    return max(scoring.floor, HUNDRED - scoring.per_incident * incidents)


def manual_score(scoring: Manual, rating: Rating) -> Decimal:
    if not ZERO <= rating.value <= scoring.maximum:
        raise EvaluationError(
            f"rating of {rating.person} for {rating.indicator} is {rating.value}, outside 0 to {scoring.maximum}"
        )
    return rating.value / scoring.maximum * HUNDRED


def describe(indicator: Indicator) -> tuple[str, Wording]:
    """The scoring rule in English words, and as a wording for the caller's language."""
    scoring = indicator.scoring
    match scoring:
        case Linear(floor, cap):
            return (f"linear: achievement %, 0 below {floor}%, at most {cap}",
                    wording("linear", floor=floor, cap=cap))
        case Steps(table, on):
            bands = "; ".join(str(band) for band in table.bands)
            return f"steps on {on}: {bands}", wording(f"steps_on_{on}", bands=bands)
        case PassFail(passed, failed, condition) if condition:
            return (f"pass/fail: {passed} if {condition}, else {failed}",
                    wording("pass_fail_when", passed=passed, failed=failed, when=condition))
        case PassFail(passed, failed, _):
            return (f"pass/fail: {passed} if target met ({indicator.direction} is better), else {failed}",
                    wording(f"pass_fail_{indicator.direction}", passed=passed, failed=failed))
        case Deductions(per_incident, floor):
            return (f"deductions: 100 - {per_incident} per incident, at least {floor}",
                    wording("deductions", per_incident=per_incident, floor=floor))
        case Manual(maximum, None):
            return f"manual rating out of {maximum}, as a score out of 100", wording("manual", max=maximum)
        case Manual(maximum, default):
            return (f"manual rating out of {maximum}, as a score out of 100; {default} when not rated",
                    wording("manual_default", max=maximum, default=default))
    raise AssertionError(scoring)


def _actual(indicator: Indicator, context: Context) -> tuple[Decimal, dict[str, Decimal]]:
    if indicator.value is not None:
        return context.evaluate(indicator.value)
    name = f"team.sum.{indicator.metric}" if indicator.scope == "team" else str(indicator.metric)
    value = context.lookup(name)
    return value, {name: value}


def _manual_result(indicator: Indicator, rating: Rating | None, context: Context) -> dict[str, Any]:
    if rating is None and indicator.scoring.default is not None:
        rating = Rating(context.person.id, indicator.id, indicator.scoring.default)
        return {"actual": rating.value, "score": manual_score(indicator.scoring, rating),
                "note": "not rated: the plan's default rating"}
    if rating is None:
        value = context.stand_in(
            "missing_rating", f"rating.{indicator.id}", f"no rating of {indicator.id} for {context.person.id}"
        )
        return {"actual": value, "score": value, "note": "no rating given"}
    note = rating.comment + (f" ({rating.rated_by})" if rating.rated_by else "")
    return {"actual": rating.value, "score": manual_score(indicator.scoring, rating), "note": note}


def _scored(indicator: Indicator, context: Context) -> dict[str, Any]:
    actual, inputs = _actual(indicator, context)
    target, achieved = None, None
    if indicator.target is not None:
        target, used = context.evaluate(indicator.target)
        inputs.update(used)
        achieved = achievement(actual, target, indicator.direction, context, indicator.id)
    scoring = indicator.scoring
    match scoring:
        case Linear():
            score = linear_score(scoring, achieved or ZERO)
        case Steps():
            score = step_score(scoring, actual if scoring.on == "actual" else achieved or ZERO)
        case PassFail(condition=None):
            score = pass_fail_score(scoring, (achieved or ZERO) >= HUNDRED)
        case PassFail(condition=condition):
            held, used = context.evaluate(condition)
            inputs.update(used)
            score = pass_fail_score(scoring, held != ZERO)
        case Deductions():
            score = deduction_score(scoring, actual)
    return {"actual": actual, "target": target, "achievement": achieved, "score": score, "inputs": inputs}


def indicator_result(
    indicator: Indicator, context: Context, rating: Rating | None, described: tuple[str, Wording]
) -> IndicatorResult:
    """Score one indicator; under the `skip` policy a missing figure skips it, with the reason noted.
    `described`: its scoring rule in words (`describe`), worked out once for everyone the plan assesses."""
    rule, said = described
    try:
        with context.evaluating(Item("indicator", indicator.id, indicator.label)):
            if isinstance(indicator.scoring, Manual):
                found = _manual_result(indicator, rating, context)
            else:
                found = _scored(indicator, context)
    except Skipped as skipped:
        found = {"skipped": True, "note": f"skipped: {skipped}"}
    return IndicatorResult(indicator.id, indicator.label, rule, rule_wording=said, **found)


def weighted(results: Sequence[IndicatorResult], weight_set: WeightSet | None) -> tuple[IndicatorResult, ...]:
    """Attach weights; a skipped indicator's weight is shared by the others in proportion to theirs."""
    weights = {weight.indicator: weight.weight for weight in (weight_set.weights if weight_set else ())}
    active = sum((weights.get(result.id, ZERO) for result in results if not result.skipped), ZERO)
    return tuple(
        replace(
            result,
            weight=weights.get(result.id, ZERO),
            weighted_score=ZERO
            if result.skipped or active == ZERO
            else (result.score or ZERO) * weights.get(result.id, ZERO) / active,
        )
        for result in results
    )


def total_score(results: Sequence[IndicatorResult]) -> Decimal:
    return sum((result.weighted_score for result in results), ZERO)
