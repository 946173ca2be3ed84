"""The plan as frozen data: what loader.py builds from YAML and evaluate.py reads.

Every element keeps its position (line:column in the YAML file) so validation can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from dealerkpi.core.money import HUNDRED, ZERO

from .expr import Node
from .policy import Policies

STAGES = ("introduction", "growth", "maturity", "run_out")
CATEGORIES = ("base_pay", "bonus", "commission", "fine", "quarterly_bonus", "annual_bonus")


@dataclass(frozen=True)
class Pos:
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


NOWHERE = Pos(0, 0)


@dataclass(frozen=True)
class Expression:
    source: str
    tree: Node
    pos: Pos = NOWHERE

    def __str__(self) -> str:
        return self.source


@dataclass(frozen=True)
class Band:
    """One row of a table: values in [low, high) map to `value`; an open end is None."""

    low: Decimal | None
    high: Decimal | None
    value: Decimal
    pos: Pos = NOWHERE

    def holds(self, x: Decimal) -> bool:
        return (self.low is None or x >= self.low) and (self.high is None or x < self.high)

    def __str__(self) -> str:
        low = "" if self.low is None else f"{self.low}"
        high = "" if self.high is None else f"{self.high}"
        return f"[{low}, {high}) -> {self.value}"


@dataclass(frozen=True)
class Table:
    bands: tuple[Band, ...]
    pos: Pos = NOWHERE

    def band(self, x: Decimal) -> Band | None:
        return next((band for band in self.bands if band.holds(x)), None)


# --- scoring rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Linear:
    """Score = achievement % capped at `cap`; 0 below `floor` % achievement."""

    floor: Decimal = ZERO
    cap: Decimal = HUNDRED


@dataclass(frozen=True)
class Steps:
    """Score looked up in a table, on the achievement % or on the actual value."""

    table: Table
    on: str = "achievement"


@dataclass(frozen=True)
class PassFail:
    """`passed` when the target is met (or `condition` holds), else `failed`."""

    passed: Decimal = HUNDRED
    failed: Decimal = ZERO
    condition: Expression | None = None


@dataclass(frozen=True)
class Deductions:
    """100 less `per_incident` for each incident counted by the actual, never below `floor`."""

    per_incident: Decimal
    floor: Decimal = ZERO


@dataclass(frozen=True)
class Manual:
    """A rating entered by a supervisor, 0 to `maximum`, with a comment; `default` when nobody rated."""

    maximum: Decimal = HUNDRED
    default: Decimal | None = None


Scoring = Linear | Steps | PassFail | Deductions | Manual


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    scoring: Scoring
    metric: str | None = None
    value: Expression | None = None
    target: Expression | None = None
    scope: str = "person"
    direction: str = "higher"
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Weight:
    indicator: str
    weight: Decimal
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class WeightSet:
    stage: str  # "default" or one of STAGES
    weights: tuple[Weight, ...]
    pos: Pos = NOWHERE


# --- payout rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DealRate:
    """A rate on a deal figure: per unit (yuan) or percent; flat, by model, or by the level of a figure.

    With `above`, only the part of the period-to-date total above the threshold is paid.
    """

    basis: str
    percent: bool
    rate: Decimal | None = None
    by_model: tuple[tuple[str, Decimal], ...] = ()
    rate_by: Expression | None = None
    table: Table | None = None
    above: Expression | None = None


@dataclass(frozen=True)
class DealTiers:
    """Tiers on the cumulative total of a deal figure: marginal or retroactive (全额累进)."""

    basis: str
    percent: bool
    table: Table
    method: str = "marginal"
    on: str = "basis"  # or "attainment": band bounds are % of `target`
    target: Expression | None = None


@dataclass(frozen=True)
class Fine:
    """A deduction of `amount` for each incident counted by `count`."""

    count: Expression
    amount: Decimal


@dataclass(frozen=True)
class Formula:
    """An amount computed by an expression, e.g. a team bonus."""

    amount: Expression


PaySpec = DealRate | DealTiers | Fine | Formula


@dataclass(frozen=True)
class PayRule:
    id: str
    label: str
    kind: str
    category: str
    spec: PaySpec
    over: str = "month"  # month | quarter | year: the period-to-date window of cumulative rules
    every: str = "month"  # month | quarter | year: paid in the period closing this window
    scope: str = "person"  # person | team (deals credited to the person's team)
    multiply_by: Expression | None = None
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Bonus:
    base: Expression
    coefficients: Table
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class BasePay:
    amount: Decimal
    when: Expression | None = None
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Gate:
    id: str
    label: str
    when: Expression
    factor: Decimal
    applies_to: tuple[str, ...]
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Limit:
    applies_to: tuple[str, ...]
    cap: Decimal | None = None
    floor: Decimal | None = None
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Draw:
    """A recoverable advance: earnings below `amount` are topped up and recovered from later earnings."""

    amount: Decimal
    applies_to: tuple[str, ...] = ("commission",)
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    role: str
    version: str
    period: str = "month"
    policies: Policies = field(default_factory=Policies)
    derived: tuple[tuple[str, Expression], ...] = ()
    indicators: tuple[Indicator, ...] = ()
    weight_sets: tuple[WeightSet, ...] = ()
    bonus: Bonus | None = None
    base_pay: tuple[BasePay, ...] = ()
    pay_rules: tuple[PayRule, ...] = ()
    gates: tuple[Gate, ...] = ()
    limits: tuple[Limit, ...] = ()
    draw: Draw | None = None
    guaranteed_minimum: Decimal | None = None
    pos: Pos = NOWHERE

    def indicator(self, id: str) -> Indicator | None:
        return next((indicator for indicator in self.indicators if indicator.id == id), None)

    def weight_set(self, stage: str | None) -> WeightSet | None:
        """The weight set for `stage`, else the default one."""
        by_stage = {weight_set.stage: weight_set for weight_set in self.weight_sets}
        return by_stage.get(stage or "default") or by_stage.get("default")
