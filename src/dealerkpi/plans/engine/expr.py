"""A small safe expression language over Decimal: a tokenizer, a recursive-descent parser, an evaluator.

User text is never handed to Python's eval. Grammar (see docs/plans.md):

    expression := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | NAME | FUNCTION "(" expression ("," expression)* ")" | "(" expression ")"

Comparisons and logic give 1 (true) or 0 (false); any non-zero value is true.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from dealerkpi.core.money import ZERO

from .policy import EvaluationError

MAX_SOURCE_LENGTH = 400
MAX_DEPTH = 24
MAX_NUMBER = Decimal(10) ** 12  # every number of a plan is below this in size (a statement holds amounts below it)
MAX_PLACES = 10  # decimal places of a number of a plan, and of round()
FUNCTIONS = {"min": (1, None), "max": (1, None), "abs": (1, 1), "round": (1, 2), "if": (3, 3)}
COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")
# How tightly each operator binds, as the parser below reads them: what puts an expression back in words needs it
# to know where parentheses go.
PRECEDENCE = {"or": 1, "and": 2, **dict.fromkeys(COMPARISONS, 4), "+": 5, "-": 5, "*": 6, "/": 6}
NOT_PRECEDENCE, NEGATE_PRECEDENCE, ATOM = 3, 7, 8  # `not x`, `-x`, and a number or a name (never in parentheses)
ONE = Decimal(1)

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*(?::[A-Za-z0-9_]+)?)"
    r"|(?P<op><=|>=|==|!=|[-+*/(),<>]))"
)


def number_problem(value: Decimal) -> str | None:
    """Why `value` cannot be a number of a plan (not finite, too large, too many decimal places), or None."""
    if not value.is_finite():
        return f"{value} is not a finite number"
    if abs(value) >= MAX_NUMBER:
        return f"{value} is too large: numbers in a plan are below 1,000,000,000,000"
    if _places(value) > MAX_PLACES:
        return f"{value} has more than {MAX_PLACES} decimal places"
    return None


def _places(value: Decimal) -> int:
    """Decimal places written, trailing zeros left out (exactly: without rounding to the context's precision)."""
    if value == ZERO:
        return 0
    _, digits, exponent = value.as_tuple()
    written = "".join(map(str, digits))
    return max(0, -int(exponent) - (len(written) - len(written.rstrip("0"))))


class ExpressionSyntaxError(ValueError):
    """The expression text cannot be parsed; `offset` is the 0-based position in the text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Name:
    name: str
    offset: int


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]


Node = Number | Name | Negate | Not | Binary | Call


@dataclass(frozen=True)
class Token:
    kind: str  # number | name | op | end
    text: str
    offset: int


def tokens(source: str) -> list[Token]:
    """Split `source` into tokens, ending with an `end` token."""
    found: list[Token] = []
    position = 0
    while position < len(source):
        if source[position:].strip() == "":
            break
        match = _TOKEN.match(source, position)
        if match is None:
            offset = len(source) - len(source[position:].lstrip())
            raise ExpressionSyntaxError(f"unexpected character {source[offset]!r}", offset)
        kind = match.lastgroup or "op"
        found.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    found.append(Token("end", "", len(source)))
    return found


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokens(source)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def accept(self, *texts: str) -> str | None:
        if self.current.kind in ("op", "name") and self.current.text in texts:
            return self.take().text
        return None

    def expect(self, text: str) -> None:
        if self.accept(text) is None:
            raise ExpressionSyntaxError(
                f"expected {text!r}, found {self.current.text or 'the end'!r}", self.current.offset
            )

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionSyntaxError(f"nested more than {MAX_DEPTH} levels deep", self.current.offset)

    def expression(self) -> Node:
        self.nested()
        node = self.left_associative(self.conjunction, ("or",))
        self.depth -= 1
        return node

    def left_associative(self, operand: Callable[[], Node], ops: tuple[str, ...]) -> Node:
        node = operand()
        while (op := self.accept(*ops)) is not None:
            node = Binary(op, node, operand())
        return node

    def conjunction(self) -> Node:
        return self.left_associative(self.negation, ("and",))

    def negation(self) -> Node:
        if self.accept("not"):
            self.nested()
            node = Not(self.negation())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        node = self.sum()
        if (op := self.accept(*COMPARISONS)) is not None:
            node = Binary(op, node, self.sum())
        return node

    def sum(self) -> Node:
        return self.left_associative(self.product, ("+", "-"))

    def product(self) -> Node:
        return self.left_associative(self.unary, ("*", "/"))

    def unary(self) -> Node:
        if self.accept("-"):
            self.nested()
            node = Negate(self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "number":
            number = Decimal(token.text)
            if problem := number_problem(number):
                raise ExpressionSyntaxError(problem, token.offset)
            return Number(number)
        if token.kind == "name" and token.text not in ("and", "or", "not"):
            if self.current.text == "(":
                return self.call(token)
            return Name(token.text, token.offset)
        if token.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        raise ExpressionSyntaxError(
            f"expected a number, a name or '(', found {token.text or 'the end'!r}", token.offset
        )

    def call(self, function: Token) -> Node:
        if function.text not in FUNCTIONS:
            raise ExpressionSyntaxError(
                f"unknown function {function.text!r}; known: {', '.join(FUNCTIONS)}", function.offset
            )
        self.expect("(")
        offsets = [self.current.offset]
        args = [self.expression()]
        while self.accept(","):
            offsets.append(self.current.offset)
            args.append(self.expression())
        self.expect(")")
        least, most = FUNCTIONS[function.text]
        if len(args) < least or (most is not None and len(args) > most):
            count = str(least) if least == most else f"{least} to {most or 'any number of'}"
            raise ExpressionSyntaxError(f"{function.text}() takes {count} arguments, not {len(args)}", function.offset)
        if function.text == "round" and len(args) == 2 and not _whole_places(args[1]):
            raise ExpressionSyntaxError(
                f"round() takes its decimal places as a whole number from 0 to {MAX_PLACES}, e.g. round(x, 2)",
                offsets[1],
            )
        return Call(function.text, tuple(args))


def _whole_places(node: Node) -> bool:
    return isinstance(node, Number) and node.value == node.value.to_integral_value() and node.value <= MAX_PLACES


def parse(source: str) -> Node:
    """Parse an expression; raise ExpressionSyntaxError with the offset of the problem."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionSyntaxError(f"longer than {MAX_SOURCE_LENGTH} characters", MAX_SOURCE_LENGTH)
    parser = _Parser(source)
    node = parser.expression()
    if parser.current.kind != "end":
        raise ExpressionSyntaxError(f"unexpected {parser.current.text!r}", parser.current.offset)
    return node


def names(node: Node) -> Iterator[Name]:
    """Every name the expression refers to, in reading order."""
    match node:
        case Name():
            yield node
        case Negate(operand) | Not(operand):
            yield from names(operand)
        case Binary(_, left, right):
            yield from names(left)
            yield from names(right)
        case Call(_, args):
            for arg in args:
                yield from names(arg)


Lookup = Callable[[str], Decimal]
DivisionByZero = Callable[[], Decimal]


def _truth(value: bool) -> Decimal:
    return ONE if value else ZERO


def _compare(op: str, left: Decimal, right: Decimal) -> Decimal:
    results = {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "==": left == right,
        "!=": left != right,
    }
    return _truth(results[op])


def _round(value: Decimal, places: Decimal) -> Decimal:
    """Half-up to `places` (a whole number from 0 to MAX_PLACES, checked when the expression was parsed)."""
    try:
        return value.quantize(ONE.scaleb(-int(places)), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise EvaluationError(f"round(): {value} is too large to round to {places} places") from None


def evaluate(node: Node, lookup: Lookup, division_by_zero: DivisionByZero) -> Decimal:
    """Evaluate a parsed expression; names come from `lookup`, a zero divisor from `division_by_zero`."""
    return _Evaluation(lookup, division_by_zero).value(node)


class _Evaluation:
    """One evaluation's lookups. Methods rather than nested functions: a recursive nested function refers to itself,
    a reference cycle that only the garbage collector frees, and a month-end evaluates millions of expressions."""

    __slots__ = ("division_by_zero", "lookup")

    def __init__(self, lookup: Lookup, division_by_zero: DivisionByZero) -> None:
        self.lookup = lookup
        self.division_by_zero = division_by_zero

    def value(self, node: Node) -> Decimal:
        value = self.value
        match node:
            case Number(number):
                return number
            case Name(name):
                return self.lookup(name)
            case Negate(operand):
                return -value(operand)
            case Not(operand):
                return _truth(value(operand) == ZERO)
            case Binary("and", left, right):
                return _truth(value(left) != ZERO and value(right) != ZERO)
            case Binary("or", left, right):
                return _truth(value(left) != ZERO or value(right) != ZERO)
            case Binary(op, left, right):
                return self.arithmetic(op, value(left), value(right))
            case Call("if", (condition, then, otherwise)):
                return value(then) if value(condition) != ZERO else value(otherwise)
            case Call(function, args):
                return _call(function, [value(arg) for arg in args])
        raise AssertionError(f"unknown node {node!r}")

    def arithmetic(self, op: str, left: Decimal, right: Decimal) -> Decimal:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            return self.division_by_zero() if right == ZERO else left / right
        return _compare(op, left, right)


def _call(function: str, args: list[Decimal]) -> Decimal:
    if function == "min":
        return min(args)
    if function == "max":
        return max(args)
    if function == "abs":
        return abs(args[0])
    return _round(args[0], args[1] if len(args) > 1 else ZERO)
