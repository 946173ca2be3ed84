"""YAML plan documents to Plan data, keeping line:column of every element.

Structural problems (a missing key, a wrong type, a bad enum value, a number out of bounds, an expression
that does not parse) are collected here, with the elements they are in; the semantic checks (weights,
metrics, references, cycles, tiers) live in validate.py. Any text gives a plan or errors, never an
exception of another kind: the document's size, nesting and numbers are bounded before anything else.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from dealerkpi.core.money import HUNDRED, ZERO

from . import expr
from .policy import BLOCKING_BY_DEFAULT, POLICY_CHOICES, Policies
from .schema import (
    CATEGORIES,
    FOR_PEOPLE,
    MINIMUM_WAGE,
    STAGES,
    UNWINDS,
    Band,
    BasePay,
    Bonus,
    Budget,
    DealRate,
    DealTiers,
    Deductions,
    Draw,
    Expression,
    Fine,
    Formula,
    Gate,
    Indicator,
    Limit,
    Linear,
    Manual,
    PassFail,
    PayRule,
    PaySpec,
    Plan,
    Pos,
    Scoring,
    Steps,
    Table,
    WarningRules,
    Weight,
    WeightSet,
)

WINDOWS = ("month", "quarter", "year")
DEFAULT_CATEGORY = {
    "per_unit": "commission",
    "percent": "commission",
    "tiers": "commission",
    "fine": "fine",
    "formula": "bonus",
}
EVERY_CATEGORY = {"quarter": "quarterly_bonus", "year": "annual_bonus"}
SCORING_KINDS = ("linear", "steps", "pass_fail", "deductions", "manual")
_REQUIRED = object()
_COMMON = ("kind", "label", "category", "scope", "over", "every", "multiply_by")
MAX_DOCUMENT = 200_000  # characters
MAX_NESTING = 10  # levels of mappings and lists; a plan needs 6
MAX_LABEL = 40  # characters of a derived value's label: words a statement shows, 试驾系数
MAX_INTEGER_TEXT = 40  # characters of a YAML integer; longer ones are refused before Python converts them
LOW_WORDS = ("from", "above")  # a band's start: included, excluded
HIGH_WORDS = ("to", "below", "up_to")  # a band's end: excluded (to is the older spelling of below), included
Element = TypeVar("Element")
_UNITS = re.compile(r"\s*(\d{1,9})\s*(?:-\s*(\d{1,9})|(\+|and over))?\s*")


@dataclass(frozen=True)
class PlanError:
    pos: Pos
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}"


class PlanInvalid(ValueError):
    """The plan has errors; each names its line and column."""

    def __init__(self, errors: list[PlanError], source: str = "") -> None:
        self.errors = sorted(errors, key=lambda error: (error.pos.line, error.pos.column))
        self.source = source
        prefix = f"{source}:" if source else ""
        super().__init__("\n".join(f"{prefix}{error}" for error in self.errors))


@dataclass(frozen=True)
class BadNumber:
    """A YAML number a plan cannot use (.inf, .nan, an integer of hundreds of digits), kept to be reported."""

    text: str


class _DecimalConstructor(RoundTripConstructor):
    """Read YAML floats as exact Decimals, from the text as written; numbers no plan can use as BadNumber."""

    def construct_yaml_float(self, node: Any) -> Decimal | BadNumber:  # noqa: ANN401 - ruamel's node type  # float-ok: YAML floats become Decimal
        try:
            return Decimal(str(node.value).replace("_", ""))
        except InvalidOperation:
            return BadNumber(str(node.value))

    def construct_yaml_int(self, node: Any) -> Any:  # noqa: ANN401 - ruamel's node and int types
        if len(str(node.value)) > MAX_INTEGER_TEXT:
            return BadNumber(str(node.value))
        return super().construct_yaml_int(node)


_DecimalConstructor.add_constructor("tag:yaml.org,2002:float", _DecimalConstructor.construct_yaml_float)
_DecimalConstructor.add_constructor("tag:yaml.org,2002:int", _DecimalConstructor.construct_yaml_int)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _DecimalConstructor
    yaml.preserve_quotes = True
    return yaml


def _pos(line: int, column: int) -> Pos:
    return Pos(line + 1, column + 1)


@dataclass(frozen=True)
class Entry:
    name: str
    value: Any
    key_pos: Pos
    value_pos: Pos


@dataclass
class Findings:
    """What reading a document found wrong: the errors, and the positions of the elements they are in (an
    indicator, a pay rule...), which the semantic checks leave out rather than report what follows from them."""

    errors: list[PlanError] = field(default_factory=list)
    broken: set[Pos] = field(default_factory=set)

    @contextmanager
    def element(self, pos: Pos) -> Iterator[None]:
        """Note the element at `pos` as broken if an error is found while it is read."""
        before = len(self.errors)
        yield
        if len(self.errors) > before:
            self.broken.add(pos)


class Section:
    """A YAML mapping with its position, reading typed values and recording errors."""

    def __init__(self, data: CommentedMap, pos: Pos, findings: Findings) -> None:
        self.data = data
        self.pos = pos
        self.findings = findings

    def error(self, pos: Pos, message: str) -> None:
        self.findings.errors.append(PlanError(pos, message))

    def key_pos(self, key: str) -> Pos:
        try:
            return _pos(*self.data.lc.key(key))
        except KeyError:  # not in the mapping, or merged in from another one (<<: *anchor)
            return self.pos

    def value_pos(self, key: str) -> Pos:
        try:
            return _pos(*self.data.lc.value(key))
        except KeyError:
            return self.pos

    def known(self, *keys: str) -> None:
        for key in self.data:
            if key not in keys:
                self.error(self.key_pos(key), f"unknown key {key!r}; expected one of {', '.join(keys)}")

    def raw(self, key: str, default: Any = _REQUIRED) -> Any:  # noqa: ANN401 - YAML values
        if key in self.data and self.data[key] is not None:
            return self.data[key]
        if default is _REQUIRED:
            self.error(self.pos, f"missing key {key!r}")
        return None if default is _REQUIRED else default

    def text(self, key: str, default: Any = _REQUIRED, choices: tuple[str, ...] = ()) -> str:  # noqa: ANN401
        value = self.raw(key, default)
        if value is None:
            return ""
        if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
            self.error(self.value_pos(key), f"{key} must be text")
            return ""
        value = str(value)
        if choices and value not in choices:
            self.error(self.value_pos(key), f"{key}: {value!r} is not one of {', '.join(choices)}")
        return value

    def number(self, key: str, default: Any = _REQUIRED) -> Decimal | None:  # noqa: ANN401
        value = self.raw(key, default)
        return None if value is None else self.as_number(value, self.value_pos(key), key)

    def as_number(self, value: object, pos: Pos, what: str) -> Decimal | None:
        """A number within the bounds of a plan (finite, below 10^12, at most 10 decimal places)."""
        number = _decimal(value)
        if number is None:
            finite = " finite number below 1,000,000,000,000" if isinstance(value, BadNumber) else " number"
            self.error(pos, f"{what}: {_shown(value)} is not a{finite}")
            return None
        if problem := expr.number_problem(number):
            self.error(pos, f"{what}: {problem}")
            return None
        return number

    def expression(self, key: str, default: Any = _REQUIRED) -> Expression | None:  # noqa: ANN401
        value = self.raw(key, default)
        return None if value is None else self.as_expression(value, self.value_pos(key), key)

    def amount(self, key: str) -> Expression | None:
        """An amount of money: a number (also written as text, "1,500") or an expression (base_salary)."""
        value = self.raw(key)
        if isinstance(value, str) and _decimal(value) is not None:
            number = self.as_number(value, self.value_pos(key), key)
            return None if number is None else Expression(value, expr.Number(number), self.value_pos(key))
        return None if value is None else self.as_expression(value, self.value_pos(key), key)

    def as_expression(self, value: object, pos: Pos, what: str) -> Expression | None:
        if isinstance(value, Decimal | int | BadNumber) and not isinstance(value, bool):
            number = self.as_number(value, pos, what)
            return None if number is None else Expression(str(value), expr.Number(number), pos)
        if not isinstance(value, str):
            self.error(pos, f"{what} must be a number or an expression")
            return None
        quoted = isinstance(value, DoubleQuotedScalarString | SingleQuotedScalarString)
        try:
            return Expression(str(value), expr.parse(str(value)), pos)
        except expr.ExpressionSyntaxError as problem:
            where = Pos(pos.line, pos.column + problem.offset + (1 if quoted else 0))
            self.error(where, f"{what}: {problem} (in {str(value)!r})")
            return None

    def section(self, key: str, required: bool = False) -> Section | None:
        value = self.raw(key, _REQUIRED if required else None)
        if value is None:
            return None
        if not isinstance(value, CommentedMap):
            self.error(self.value_pos(key), f"{key} must be a mapping of keys to values")
            return None
        return Section(value, self.value_pos(key), self.findings)

    def entries(self, key: str) -> list[Entry]:
        """Each entry of the mapping under `key`, with the positions of its name and value."""
        section = self.section(key)
        return section.own_entries() if section else []

    def own_entries(self) -> list[Entry]:
        return [Entry(str(name), value, self.key_pos(name), self.value_pos(name)) for name, value in self.data.items()]

    def sections(self, key: str) -> list[Section]:
        """The mappings in the list under `key`."""
        value = self.raw(key, None)
        if value is None:
            return []
        if not isinstance(value, CommentedSeq):
            self.error(self.value_pos(key), f"{key} must be a list")
            return []
        found = []
        for index, item in enumerate(value):
            pos = _pos(*value.lc.item(index))
            if isinstance(item, CommentedMap):
                found.append(Section(item, pos, self.findings))
            else:
                self.error(pos, f"each entry of {key} must be a mapping")
        return found

    def named_sections(self, key: str) -> list[tuple[str, Section]]:
        """(name, mapping) for each entry of a mapping of named mappings, e.g. indicators."""
        found = []
        for entry in self.entries(key):
            if isinstance(entry.value, CommentedMap):
                found.append((entry.name, Section(entry.value, entry.key_pos, self.findings)))
            else:
                self.error(entry.key_pos, f"{key}.{entry.name} must be a mapping")
        return found

    def names(self, key: str, default: tuple[str, ...], choices: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.raw(key, None)
        if value is None:
            return default
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, CommentedSeq | list) or not all(isinstance(item, str) for item in items):
            self.error(self.value_pos(key), f"{key} must be a name or a list of names")
            return default
        for item in items:
            if choices and item not in choices:
                self.error(self.value_pos(key), f"{key}: {item!r} is not one of {', '.join(choices)}")
        return tuple(items)

    def table(self, key: str, value_keys: tuple[str, ...]) -> tuple[Table, str]:
        """A list of bands {from|above, below|to|up_to, <value key>} or {units, <value key>}; returns the
        table and the value key used."""
        bands, used = [], set()
        for row in self.sections(key):
            row.known(*LOW_WORDS, *HIGH_WORDS, "units", *value_keys)
            present = [name for name in value_keys if name in row.data]
            if len(present) != 1:
                row.error(row.pos, f"each band needs exactly one of {', '.join(value_keys)}")
                continue
            used.add(present[0])
            bands.append(row.band(row.number(present[0]) or ZERO))
        if not bands and key in self.data:
            self.error(self.value_pos(key), f"{key} needs at least one band")
        if len(used) > 1:
            self.error(self.value_pos(key), f"{key}: use one of {' or '.join(sorted(used))} in every band")
        return Table(tuple(bands), self.value_pos(key)), (used.pop() if len(used) == 1 else value_keys[0])

    def band(self, value: Decimal) -> Band:
        """This mapping as a band: its bounds in the words they were written with."""
        if "units" in self.data:
            return self.units_band(value)
        low_word = self.word(LOW_WORDS, "a band starts from a value (included) or above it (excluded), not both")
        high_word = self.word(
            HIGH_WORDS, "a band ends below a value (excluded; also written to) or up_to it (included), only one"
        )
        return Band(
            self.number(low_word, None), self.number(high_word, None), value, self.pos, low_word, high_word
        )

    def word(self, words: tuple[str, ...], message: str) -> str:
        """The one of `words` this mapping uses (the first if none)."""
        present = [word for word in words if word in self.data]
        if len(present) > 1:
            self.error(self.key_pos(present[1]), message)
        return present[0] if present else words[0]

    def units_band(self, value: Decimal) -> Band:
        """{units: 11-20}: the 11th to the 20th unit; {units: 21+} or {units: 21 and over}; {units: 5}."""
        for word in (*LOW_WORDS, *HIGH_WORDS):
            if word in self.data:
                self.error(self.key_pos(word), "a band of whole units takes no other bound: units: 11-20 or units: 21+")
        written = self.data["units"]
        readable = isinstance(written, str | int) and not isinstance(written, bool)
        match = _UNITS.fullmatch(str(written)) if readable else None
        first = int(match.group(1)) if match else 0
        last = int(match.group(2)) if match and match.group(2) else first
        if first < 1 or last < first:
            self.error(
                self.value_pos("units"),
                f"units: {_shown(written)} is not a range of whole units; write 11-20, 21+ (21 and over) or 5",
            )
            return Band(None, None, value, self.pos, "units", "units")
        high = None if match and match.group(3) else Decimal(last + 1)
        return Band(Decimal(first), high, value, self.pos, "units", "units")


def _decimal(value: object) -> Decimal | None:
    """A YAML value as a Decimal: numbers, and text written as a number ("1,500"); else None."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
    return None


def _shown(value: object) -> str:
    """A value as the document wrote it, shortened."""
    text = value.text if isinstance(value, BadNumber) else repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- sections of the plan ------------------------------------------------------------------------


def _policies(plan: Section) -> Policies:
    section = plan.section("policies")
    if section is None:
        return Policies()
    section.known("division_by_zero", "missing_target", "missing_value")
    return Policies(
        *(section.text(key, "error", POLICY_CHOICES) for key in ("division_by_zero", "missing_target", "missing_value"))
    )


def _warnings(plan: Section) -> WarningRules:
    """`warnings: {block: [kinds]}`; the kinds are checked in validate.py. Without `block`, the default."""
    section = plan.section("warnings")
    if section is None:
        return WarningRules()
    section.known("block")
    pos = section.value_pos("block") if "block" in section.data else section.pos
    return WarningRules(section.names("block", BLOCKING_BY_DEFAULT), pos)


def _scoring(section: Section) -> Scoring:
    kind = section.text("kind", choices=SCORING_KINDS)
    if kind not in SCORING_KINDS:
        return Linear()  # its keys are not checked: they belong to a kind that is not known
    if kind == "steps":
        section.known("kind", "on", "bands")
        return Steps(
            section.table("bands", ("score",))[0],
            section.text("on", "achievement", ("achievement", "actual")),
        )
    if kind == "pass_fail":
        section.known("kind", "pass", "fail", "when")
        return PassFail(
            section.number("pass", HUNDRED) or ZERO,
            section.number("fail", ZERO) or ZERO,
            section.expression("when", None),
        )
    if kind == "deductions":
        section.known("kind", "per_incident", "floor")
        return Deductions(section.number("per_incident") or ZERO, section.number("floor", ZERO) or ZERO)
    if kind == "manual":
        section.known("kind", "max", "default")
        return Manual(section.number("max", HUNDRED) or HUNDRED, section.number("default", None))
    section.known("kind", "floor", "cap")
    return Linear(section.number("floor", ZERO) or ZERO, section.number("cap", HUNDRED) or ZERO)


def _target(section: Section, metric: str | None) -> Expression | None:
    value = section.raw("target", None)
    shorthand = {"person": "target.", "team": "team.target."}
    if isinstance(value, str) and value in shorthand:
        if metric is None:
            section.error(section.value_pos("target"), f"target: {value} needs a metric")
            return None
        return section.as_expression(shorthand[value] + metric, section.value_pos("target"), "target")
    return section.expression("target", None)


def _indicator(name: str, section: Section) -> Indicator:
    section.known("label", "metric", "value", "target", "scope", "direction", "scoring")
    scoring_section = section.section("scoring", required=True)
    scoring = _scoring(scoring_section) if scoring_section else Linear()
    metric = section.text("metric", None) or None
    value = section.expression("value", None)
    if (metric is None) == (value is None) and not isinstance(scoring, Manual):
        section.error(section.pos, f"indicator {name} needs either metric or value")
    return Indicator(
        id=name,
        label=section.text("label", name),
        scoring=scoring,
        metric=metric,
        value=value,
        target=_target(section, metric),
        scope=section.text("scope", "person", ("person", "team")),
        direction=section.text("direction", "higher", ("higher", "lower")),
        pos=section.pos,
    )


def _weight_set(stage: str, section: Section) -> WeightSet:
    if stage not in ("default", *STAGES):
        section.error(section.pos, f"weight set {stage!r} is not one of default, {', '.join(STAGES)}")
    weights = tuple(
        Weight(
            entry.name,
            section.as_number(entry.value, entry.value_pos, f"weight of {entry.name}") or ZERO,
            entry.key_pos,
        )
        for entry in section.own_entries()
    )
    return WeightSet(stage, weights, section.pos)


def _bonus(plan: Section) -> Bonus | None:
    section = plan.section("bonus")
    if section is None:
        return None
    with section.findings.element(section.pos):
        section.known("base", "coefficients")
        base = section.expression("base")
        table, _ = section.table("coefficients", ("coefficient",))
    return Bonus(base or _placeholder(section.pos), table, section.pos)


def _base_pay(section: Section) -> BasePay:
    section.known("when", "amount")
    amount = section.amount("amount")
    return BasePay(amount or _placeholder(section.pos), section.expression("when", None), section.pos)


def _deal_rate(section: Section, kind: str) -> DealRate:
    rate_key = "percent" if kind == "percent" else "amount"
    section.known(*_COMMON, "basis", rate_key, "by_model", "rate_by", "tiers", "above")
    basis = section.text("basis", "units_delivered" if kind == "per_unit" else _REQUIRED)
    rate_by = section.expression("rate_by", None)
    table, _ = section.table("tiers", (rate_key,)) if rate_by else (None, "")
    by_model = tuple(
        (entry.name, section.as_number(entry.value, entry.value_pos, f"by_model.{entry.name}") or ZERO)
        for entry in section.entries("by_model")
    )
    rate = section.number(rate_key, None if (rate_by or by_model) else _REQUIRED)
    if rate_by is None and "tiers" in section.data:
        section.error(section.key_pos("tiers"), "tiers here need rate_by: the figure that picks the tier")
    return DealRate(basis, kind == "percent", rate, by_model, rate_by, table, section.expression("above", None))


def _deal_tiers(section: Section) -> DealTiers:
    section.known(*_COMMON, "basis", "method", "on", "target", "tiers", "cap_per_deal")
    table, used = section.table("tiers", ("amount", "percent"))
    on = section.text("on", "basis", ("basis", "attainment", "each_deal"))
    basis = section.text("basis", "units_delivered")
    target = section.expression("target", None)
    if on == "attainment" and target is None:
        target = section.as_expression(f"target.{basis}", section.pos, "target")
    return DealTiers(
        basis,
        used == "percent",
        table,
        section.text("method", "marginal", ("marginal", "retroactive")),
        on,
        target,
        section.number("cap_per_deal", None),
    )


def _pay_spec(kind: str, section: Section) -> PaySpec | None:
    if kind in ("per_unit", "percent"):
        return _deal_rate(section, kind)
    if kind == "tiers":
        return _deal_tiers(section)
    if kind == "fine":
        section.known(*_COMMON, "count", "amount")
        count = section.expression("count")
        amount = section.number("amount")
        return Fine(count, amount) if count and amount is not None else None
    if kind == "formula":
        section.known(*_COMMON, "amount")
        amount = section.expression("amount")
        return Formula(amount) if amount else None
    return None


def _pay_rule(name: str, section: Section) -> PayRule:
    """The rule; one whose kind or amount cannot be read keeps its id (gates may name it) with no amount."""
    kind = section.text("kind", choices=tuple(DEFAULT_CATEGORY))
    spec = _pay_spec(kind, section) or Formula(_placeholder(section.pos))
    every = section.text("every", "month", WINDOWS)
    default_category = EVERY_CATEGORY.get(every, DEFAULT_CATEGORY.get(kind, "commission"))
    return PayRule(
        id=name,
        label=section.text("label", name),
        kind=kind,
        spec=spec,
        category=section.text("category", default_category, CATEGORIES),
        over=section.text("over", "month", WINDOWS),
        every=every,
        scope=section.text("scope", "person", ("person", "team")),
        multiply_by=section.expression("multiply_by", None),
        pos=section.pos,
    )


def _gate(name: str, section: Section) -> Gate | None:
    section.known("label", "when", "multiply", "applies_to")
    when = section.expression("when")
    factor = section.expression("multiply")
    applies_to = section.names("applies_to", ("bonus", "commission"))
    if when is None or factor is None:
        return None
    return Gate(name, section.text("label", name), when, factor, applies_to, section.pos)


def _limit(section: Section) -> Limit:
    section.known("applies_to", "cap", "floor")
    limit = Limit(
        section.names("applies_to", CATEGORIES),
        section.number("cap", None),
        section.number("floor", None),
        section.pos,
    )
    if limit.cap is None and limit.floor is None:
        section.error(section.pos, "a limit needs a cap, a floor or both")
    return limit


def _draw(plan: Section) -> Draw | None:
    section = plan.section("draw")
    if section is None:
        return None
    with section.findings.element(section.pos):
        section.known("amount", "applies_to")
        draw = Draw(section.number("amount") or ZERO, section.names("applies_to", ("commission",)), section.pos)
    return draw


def _budget(plan: Section) -> Budget | None:
    """`budget: {per_store_month: 250000}`: the most the plan's pay may cost a store in a month."""
    section = plan.section("budget")
    if section is None:
        return None
    with section.findings.element(section.pos):
        section.known("per_store_month")
        amount = section.number("per_store_month")
    return None if amount is None else Budget(amount, section.value_pos("per_store_month"))


@dataclass(frozen=True)
class _Derived:
    name: str
    expression: Expression
    label: str


def _derived_value(plan: Section, entry: Entry) -> _Derived:
    """`name: expression`, or `name: {label: 试驾系数, value: expression}`; one that does not parse keeps its name
    (others refer to it) with no value."""
    what = f"derived {entry.name}"
    value, pos, label = entry.value, entry.value_pos, ""
    if isinstance(value, CommentedMap):
        section = Section(value, entry.value_pos, plan.findings)
        section.known("label", "value")
        label = section.text("label")  # required: the mapping is written to give one
        if isinstance(value.get("label"), str) and not 0 < len(label.strip()) <= MAX_LABEL:
            section.error(section.value_pos("label"), f"{what}: a label is 1 to {MAX_LABEL} characters of words")
        value, pos = section.raw("value"), section.value_pos("value")
        if value is None:  # reported missing
            return _Derived(entry.name, _placeholder(pos), label.strip())
    return _Derived(entry.name, plan.as_expression(value, pos, what) or _placeholder(pos), label.strip())


def _derived(plan: Section) -> list[_Derived]:
    return [_derived_value(plan, entry) for entry in plan.entries("derived")]


def _placeholder(pos: Pos) -> Expression:
    """Stands for an expression that could not be read (the plan has an error there and is never evaluated)."""
    return Expression("0", expr.Number(ZERO), pos)


def _each(
    findings: Findings, named: list[tuple[str, Section]], read: Callable[[str, Section], Element | None]
) -> list[Element]:
    """`read(name, section)` for each named section, noting the broken ones; elements read as None are left out."""
    found = []
    for name, section in named:
        with findings.element(section.pos):
            element = read(name, section)
        if element is not None:
            found.append(element)
    return found


def _listed(findings: Findings, sections: list[Section], read: Callable[[Section], Element]) -> list[Element]:
    """`read(section)` for each section of a list, noting the broken ones."""
    return _each(findings, [("", section) for section in sections], lambda _name, section: read(section))


def _plan(root: Section) -> Plan:
    root.known(
        "plan",
        "name",
        "role",
        "for",
        "version",
        "period",
        "policies",
        "warnings",
        "derived",
        "indicators",
        "weights",
        "bonus",
        "base_pay",
        "pay",
        "gates",
        "limits",
        "draw",
        "guaranteed_minimum",
        "unwinds",
        "minimum_wage",
        "budget",
    )
    findings = root.findings
    derived = _derived(root)
    return Plan(
        id=root.text("plan"),
        name=root.text("name", ""),
        role=root.text("role"),
        for_probation=root.text("for", None, FOR_PEOPLE) == "probation",
        version=root.text("version", ""),
        period=root.text("period", "month", ("month",)),
        policies=_policies(root),
        warnings=_warnings(root),
        derived=tuple((value.name, value.expression) for value in derived),
        derived_labels=tuple((value.name, value.label) for value in derived if value.label),
        indicators=tuple(_each(findings, root.named_sections("indicators"), _indicator)),
        weight_sets=tuple(_each(findings, root.named_sections("weights"), _weight_set)),
        bonus=_bonus(root),
        base_pay=tuple(_listed(findings, root.sections("base_pay"), _base_pay)),
        pay_rules=tuple(_each(findings, root.named_sections("pay"), _pay_rule)),
        gates=tuple(_each(findings, root.named_sections("gates"), _gate)),
        limits=tuple(_listed(findings, root.sections("limits"), _limit)),
        draw=_draw(root),
        guaranteed_minimum=root.number("guaranteed_minimum", None),
        unwinds=root.text("unwinds", "reduce_attainment", UNWINDS),
        minimum_wage=root.text("minimum_wage", None, MINIMUM_WAGE),
        budget=_budget(root),
        pos=root.pos,
    )


class _Unloadable(Exception):
    def __init__(self, error: PlanError) -> None:
        super().__init__(error.message)
        self.error = error


def _check_nesting(text: str) -> None:
    """Refuse mappings and lists nested deeper than MAX_NESTING before they are built (building them recurses)."""
    depth = 0
    for event in _yaml().parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                pos = _pos(event.start_mark.line, event.start_mark.column)
                raise _Unloadable(PlanError(pos, f"nested more than {MAX_NESTING} levels deep"))
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _text_pos(text: str, index: int) -> Pos:
    before = text[:index]
    return Pos(before.count("\n") + 1, index - before.rfind("\n"))


def _yaml_data(text: str) -> object:
    """The document's YAML data; raises _Unloadable for text that is too long, nested too deep or not YAML."""
    if len(text) > MAX_DOCUMENT:
        raise _Unloadable(PlanError(Pos(1, 1), f"longer than {MAX_DOCUMENT:,} characters"))
    try:
        _check_nesting(text)
        return _yaml().load(text)
    except MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        pos = _pos(mark.line, mark.column) if mark else Pos(1, 1)
        raise _Unloadable(PlanError(pos, f"not valid YAML: {problem.problem or problem}")) from None
    except ReaderError as problem:  # a character YAML does not allow, e.g. NUL
        message = f"not valid YAML: character U+{problem.character:04X} is not allowed"  # ruamel gives its code
        raise _Unloadable(PlanError(_text_pos(text, problem.position), message)) from None
    except (YAMLError, ValueError, ArithmeticError) as problem:
        raise _Unloadable(PlanError(Pos(1, 1), f"not valid YAML: {problem}")) from None


@dataclass(frozen=True)
class Loaded:
    """A document read: the plan (None when there is no mapping to read one from), its structural errors,
    and the positions of the elements they are in."""

    plan: Plan | None
    errors: tuple[PlanError, ...] = ()
    broken: frozenset[Pos] = frozenset()


@functools.lru_cache(maxsize=128)
def read_plan_text(text: str) -> Loaded:
    """Read a plan document with every structural error found; never raises. The same text gives the same
    (immutable) result, kept for the next reader: the plan and policy pages and the runs read the same few
    documents again and again, and reading one takes about 25 ms."""
    try:
        data = _yaml_data(text)
    except _Unloadable as unloadable:
        return Loaded(None, (unloadable.error,))
    if not isinstance(data, CommentedMap):
        return Loaded(None, (PlanError(Pos(1, 1), "a plan must be a YAML mapping"),))
    findings = Findings()
    plan = _plan(Section(data, Pos(1, 1), findings))
    return Loaded(plan, tuple(findings.errors), frozenset(findings.broken))


def load_plan_text(text: str, source: str = "") -> Plan:
    """Read a plan document; raise PlanInvalid with every structural error found."""
    loaded = read_plan_text(text)
    if loaded.plan is None or loaded.errors:
        raise PlanInvalid(list(loaded.errors), source)
    return loaded.plan


def plan_file_text(path: str | Path) -> str:
    """A plan file's text: UTF-8 (with or without a BOM). Raises PlanInvalid naming the first byte that is not
    UTF-8, and OSError when the file cannot be read."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        before = data[: problem.start].decode("utf-8-sig", errors="replace")
        pos = _text_pos(before, len(before))
        message = f"not UTF-8 text: byte 0x{data[problem.start]:02x} cannot be read; save the plan as UTF-8"
        raise PlanInvalid([PlanError(pos, message)], str(path)) from None


def load_plan(path: str | Path) -> Plan:
    """Read a plan document from a file."""
    return load_plan_text(plan_file_text(path), str(path))
