"""YAML plan documents to Plan data, keeping line:column of every element.

Structural problems (a missing key, a wrong type, a bad enum value, an expression that does not parse)
are collected here; the semantic checks (weights, metrics, references, cycles, tiers) live in validate.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from dealerkpi.core.money import HUNDRED, ZERO

from . import expr
from .policy import POLICY_CHOICES, Policies
from .schema import (
    CATEGORIES,
    STAGES,
    Band,
    BasePay,
    Bonus,
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
_REQUIRED = object()
_COMMON = ("kind", "label", "category", "scope", "over", "every", "multiply_by")


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


class _DecimalConstructor(RoundTripConstructor):
    """Read YAML floats as exact Decimals, from the text as written."""

    def construct_yaml_float(self, node: Any) -> Decimal:  # noqa: ANN401 - ruamel's node type  # float-ok: YAML floats become Decimal
        return Decimal(str(node.value).replace("_", ""))


_DecimalConstructor.add_constructor("tag:yaml.org,2002:float", _DecimalConstructor.construct_yaml_float)


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


class Section:
    """A YAML mapping with its position, reading typed values and recording errors."""

    def __init__(self, data: CommentedMap, pos: Pos, errors: list[PlanError]) -> None:
        self.data = data
        self.pos = pos
        self.errors = errors

    def error(self, pos: Pos, message: str) -> None:
        self.errors.append(PlanError(pos, message))

    def key_pos(self, key: str) -> Pos:
        return _pos(*self.data.lc.key(key)) if key in self.data else self.pos

    def value_pos(self, key: str) -> Pos:
        return _pos(*self.data.lc.value(key)) if key in self.data else self.pos

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
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, str):
            try:
                return Decimal(value.strip().replace(",", ""))
            except InvalidOperation:
                pass
        self.error(pos, f"{what}: {value!r} is not a number")
        return None

    def expression(self, key: str, default: Any = _REQUIRED) -> Expression | None:  # noqa: ANN401
        value = self.raw(key, default)
        return None if value is None else self.as_expression(value, self.value_pos(key), key)

    def as_expression(self, value: object, pos: Pos, what: str) -> Expression | None:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Expression(str(value), expr.Number(Decimal(value)), pos)
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
        return Section(value, self.value_pos(key), self.errors)

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
                found.append(Section(item, pos, self.errors))
            else:
                self.error(pos, f"each entry of {key} must be a mapping")
        return found

    def named_sections(self, key: str) -> list[tuple[str, Section]]:
        """(name, mapping) for each entry of a mapping of named mappings, e.g. indicators."""
        found = []
        for entry in self.entries(key):
            if isinstance(entry.value, CommentedMap):
                found.append((entry.name, Section(entry.value, entry.key_pos, self.errors)))
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
        """A list of bands {from, to, <value key>}; returns the table and the value key used."""
        bands, used = [], set()
        for row in self.sections(key):
            row.known("from", "to", *value_keys)
            present = [name for name in value_keys if name in row.data]
            if len(present) != 1:
                row.error(row.pos, f"each band needs exactly one of {', '.join(value_keys)}")
                continue
            used.add(present[0])
            value = row.number(present[0])
            bands.append(Band(row.number("from", None), row.number("to", None), value or ZERO, row.pos))
        if not bands and key in self.data:
            self.error(self.value_pos(key), f"{key} needs at least one band")
        if len(used) > 1:
            self.error(self.value_pos(key), f"{key}: use one of {' or '.join(sorted(used))} in every band")
        return Table(tuple(bands), self.value_pos(key)), (used.pop() if len(used) == 1 else value_keys[0])


# --- sections of the plan ------------------------------------------------------------------------


def _policies(plan: Section) -> Policies:
    section = plan.section("policies")
    if section is None:
        return Policies()
    section.known("division_by_zero", "missing_target", "missing_value")
    return Policies(
        *(section.text(key, "error", POLICY_CHOICES) for key in ("division_by_zero", "missing_target", "missing_value"))
    )


def _scoring(section: Section) -> Scoring:
    kind = section.text("kind", choices=("linear", "steps", "pass_fail", "deductions", "manual"))
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
    if value in shorthand:
        if metric is None:
            section.error(section.value_pos("target"), f"target: {value} needs a metric")
            return None
        source = shorthand[value] + metric
        return Expression(source, expr.parse(source), section.value_pos("target"))
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


def _weight_sets(plan: Section) -> tuple[WeightSet, ...]:
    sets = []
    for stage, section in plan.named_sections("weights"):
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
        sets.append(WeightSet(stage, weights, section.pos))
    return tuple(sets)


def _bonus(plan: Section) -> Bonus | None:
    section = plan.section("bonus")
    if section is None:
        return None
    section.known("base", "coefficients")
    base = section.expression("base")
    table, _ = section.table("coefficients", ("coefficient",))
    return Bonus(base or Expression("0", expr.Number(ZERO)), table, section.pos)


def _base_pay(plan: Section) -> tuple[BasePay, ...]:
    rules = []
    for section in plan.sections("base_pay"):
        section.known("when", "amount")
        rules.append(BasePay(section.number("amount") or ZERO, section.expression("when", None), section.pos))
    return tuple(rules)


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
    section.known(*_COMMON, "basis", "method", "on", "target", "tiers")
    table, used = section.table("tiers", ("amount", "percent"))
    on = section.text("on", "basis", ("basis", "attainment"))
    basis = section.text("basis", "units_delivered")
    target = section.expression("target", None)
    if on == "attainment" and target is None:
        source = f"target.{basis}"
        target = Expression(source, expr.parse(source), section.pos)
    return DealTiers(
        basis,
        used == "percent",
        table,
        section.text("method", "marginal", ("marginal", "retroactive")),
        on,
        target,
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


def _pay_rules(plan: Section) -> tuple[PayRule, ...]:
    rules = []
    for name, section in plan.named_sections("pay"):
        kind = section.text("kind", choices=tuple(DEFAULT_CATEGORY))
        spec = _pay_spec(kind, section)
        every = section.text("every", "month", WINDOWS)
        default_category = EVERY_CATEGORY.get(every, DEFAULT_CATEGORY.get(kind, "commission"))
        if spec is None:
            continue
        rules.append(
            PayRule(
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
        )
    return tuple(rules)


def _gates(plan: Section) -> tuple[Gate, ...]:
    gates = []
    for name, section in plan.named_sections("gates"):
        section.known("label", "when", "multiply", "applies_to")
        when = section.expression("when")
        factor = section.number("multiply")
        applies_to = section.names("applies_to", ("bonus", "commission"))
        if when is not None and factor is not None:
            gates.append(Gate(name, section.text("label", name), when, factor, applies_to, section.pos))
    return tuple(gates)


def _limits(plan: Section) -> tuple[Limit, ...]:
    limits = []
    for section in plan.sections("limits"):
        section.known("applies_to", "cap", "floor")
        limit = Limit(
            section.names("applies_to", CATEGORIES),
            section.number("cap", None),
            section.number("floor", None),
            section.pos,
        )
        if limit.cap is None and limit.floor is None:
            section.error(section.pos, "a limit needs a cap, a floor or both")
        limits.append(limit)
    return tuple(limits)


def _draw(plan: Section) -> Draw | None:
    section = plan.section("draw")
    if section is None:
        return None
    section.known("amount", "applies_to")
    return Draw(section.number("amount") or ZERO, section.names("applies_to", ("commission",)), section.pos)


def _derived(plan: Section) -> tuple[tuple[str, Expression], ...]:
    found = []
    for entry in plan.entries("derived"):
        expression = plan.as_expression(entry.value, entry.value_pos, f"derived {entry.name}")
        if expression is not None:
            found.append((entry.name, expression))
    return tuple(found)


def _plan(root: Section) -> Plan:
    root.known(
        "plan",
        "name",
        "role",
        "version",
        "period",
        "policies",
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
    )
    return Plan(
        id=root.text("plan"),
        name=root.text("name", ""),
        role=root.text("role"),
        version=root.text("version", ""),
        period=root.text("period", "month", ("month",)),
        policies=_policies(root),
        derived=_derived(root),
        indicators=tuple(_indicator(name, section) for name, section in root.named_sections("indicators")),
        weight_sets=_weight_sets(root),
        bonus=_bonus(root),
        base_pay=_base_pay(root),
        pay_rules=_pay_rules(root),
        gates=_gates(root),
        limits=_limits(root),
        draw=_draw(root),
        guaranteed_minimum=root.number("guaranteed_minimum", None),
        pos=root.pos,
    )


def load_plan_text(text: str, source: str = "") -> Plan:
    """Read a plan document; raise PlanInvalid with every structural error found."""
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        pos = _pos(mark.line, mark.column) if mark else Pos(1, 1)
        raise PlanInvalid([PlanError(pos, f"not valid YAML: {problem.problem or problem}")], source) from None
    if not isinstance(data, CommentedMap):
        raise PlanInvalid([PlanError(Pos(1, 1), "a plan must be a YAML mapping")], source)
    errors: list[PlanError] = []
    plan = _plan(Section(data, Pos(1, 1), errors))
    if errors:
        raise PlanInvalid(errors, source)
    return plan


def load_plan(path: str | Path) -> Plan:
    """Read a plan document from a file."""
    return load_plan_text(Path(path).read_text(encoding="utf-8"), str(path))
