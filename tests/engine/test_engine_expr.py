"""The expression language: grammar, Decimal arithmetic, functions, bounds and policies."""

import gc
from decimal import Decimal

import pytest

from dealerkpi.plans.engine import expr
from dealerkpi.plans.engine.policy import EvaluationError, Skipped, apply_policy

NAMES = {"units_delivered": Decimal(6), "target.units_delivered": Decimal(8), "team.avg.test_drive_rate": Decimal(50),
         "zero": Decimal(0)}


def value(source: str, division_by_zero: str = "error") -> Decimal:
    def lookup(name: str) -> Decimal:
        return NAMES[name]

    return expr.evaluate(expr.parse(source), lookup, lambda: apply_policy(division_by_zero, "division by zero"))


@pytest.mark.parametrize(("source", "expected"), [
    pytest.param("1 + 2 * 3", "7", id="product-binds-tighter-than-sum"),
    pytest.param("(1 + 2) * 3", "9", id="parentheses"),
    pytest.param("10 - 4 - 3", "3", id="minus-is-left-associative"),
    pytest.param("12 / 4 / 3", "1", id="division-is-left-associative"),
    pytest.param("-2 * -3", "6", id="unary-minus"),
    pytest.param("0.1 + 0.2", "0.3", id="decimal-not-float"),
    pytest.param("units_delivered / target.units_delivered * 100", "75", id="dotted-names"),
    pytest.param("units_delivered >= 6 and units_delivered < 7", "1", id="comparison-and"),
    pytest.param("units_delivered > 6 or not 0", "1", id="or-not"),
    pytest.param("min(3, 1, 2) + max(3, 1, 2)", "4", id="min-max-variadic"),
    pytest.param("abs(-2.5)", "2.5", id="abs"),
    pytest.param("round(2.345, 2)", "2.35", id="round-half-up-not-bankers"),
    pytest.param("round(2.5)", "3", id="round-half-up-to-integer"),
    pytest.param("if(units_delivered > 5, 100, 0)", "100", id="if-true"),
    pytest.param("if(zero, 1 / zero, 7)", "7", id="if-is-lazy-so-the-untaken-branch-cannot-fail"),
    pytest.param("zero and 1 / zero", "0", id="and-short-circuits"),
])
def test_values(source, expected):
    assert value(source) == Decimal(expected)


@pytest.mark.parametrize(("source", "offset", "message"), [
    pytest.param("1 +", 3, "expected a number", id="dangling-operator"),
    pytest.param("(1 + 2", 6, "expected ')'", id="unclosed-parenthesis"),
    pytest.param("1 2", 2, "unexpected '2'", id="two-values"),
    pytest.param("units # 2", 6, "unexpected character '#'", id="bad-character"),
    pytest.param("__import__('os')", 11, "unexpected character", id="python-is-not-evaluated"),
    pytest.param("sqrt(4)", 0, "unknown function 'sqrt'", id="unknown-function"),
    pytest.param("if(1, 2)", 0, "if() takes 3 arguments", id="wrong-argument-count"),
    pytest.param("abs()", 4, "expected a number", id="no-arguments"),
    pytest.param("1 < 2 < 3", 6, "unexpected '<'", id="comparisons-do-not-chain"),
])
def test_syntax_errors_name_the_offset(source, offset, message):
    with pytest.raises(expr.ExpressionSyntaxError) as caught:
        expr.parse(source)
    assert caught.value.offset == offset
    assert message in str(caught.value)


def test_source_length_is_bounded():
    with pytest.raises(expr.ExpressionSyntaxError, match="longer than 400"):
        expr.parse("1 + " * 100 + "1")


def test_nesting_depth_is_bounded():
    expr.parse("(" * 20 + "1" + ")" * 20)
    with pytest.raises(expr.ExpressionSyntaxError, match="nested more than"):
        expr.parse("(" * 30 + "1" + ")" * 30)
    with pytest.raises(expr.ExpressionSyntaxError, match="nested more than"):
        expr.parse("-" * 30 + "1")


def test_names_are_listed_with_offsets():
    found = [(name.name, name.offset) for name in expr.names(expr.parse("min(a, team.sum.b) / units_by_model:XLCH"))]
    assert found == [("a", 4), ("team.sum.b", 7), ("units_by_model:XLCH", 21)]


@pytest.mark.parametrize(("policy", "outcome"), [
    pytest.param("zero", Decimal(0), id="zero-policy-gives-zero"),
    pytest.param("skip", Skipped, id="skip-policy-skips"),
    pytest.param("error", EvaluationError, id="error-policy-raises-a-clear-error"),
])
def test_division_by_zero_follows_the_policy(policy, outcome):
    if isinstance(outcome, Decimal):
        assert value("units_delivered / zero + 1", policy) == Decimal(1)
    else:
        with pytest.raises(outcome, match="division by zero"):
            value("units_delivered / zero", policy)


@pytest.mark.parametrize("places", ["0.5", "11", "-1", "units_delivered"])
def test_round_takes_its_places_as_a_whole_number_from_0_to_10_when_parsed(places):
    with pytest.raises(expr.ExpressionSyntaxError, match="whole number from 0 to 10") as caught:
        expr.parse(f"round(1, {places})")
    assert caught.value.offset == 9


def test_an_evaluation_leaves_nothing_for_the_garbage_collector():
    """A month-end evaluates millions of expressions: each must be freed by its reference counts alone."""
    gc.collect()
    gc.disable()
    try:
        for source in ("if(units_delivered > 5, units_delivered / target.units_delivered, 0) * 100",
                       "round(max(1, abs(-2)) + min(zero, 3), 1)", "1 / zero"):
            value(source, division_by_zero="zero")
        assert gc.collect() == 0
    finally:
        gc.enable()
