"""The plan as frozen data: what loader.py builds from YAML and evaluate.py reads.

Every element keeps its position (line:column in the YAML file) so validation can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from dealerkpi.core.money import HUNDRED, ZERO

from .expr import Node
from .policy import BLOCKING_BY_DEFAULT, Policies

STAGES = ("introduction", "growth", "maturity", "run_out")
CATEGORIES = ("base_pay", "bonus", "commission", "fine", "quarterly_bonus", "annual_bonus")
UNWINDS = ("reduce_attainment", "reverse_pay_only")  # what an unwound deal does to the month of the unwind
FOR_PEOPLE = ("probation",)  # whom of the role a plan is for, when not everyone: those on probation
MINIMUM_WAGE = ("top_up", "flag")  # what a pay below the minimum wage gets: a line bringing it up, or a warning
ONE = Decimal(1)


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
    """One row of a table: the values it holds map to `value`; an open end is None.

    The bounds keep the words they were written with: `low_word` is `from` (low included) or `above` (excluded),
    `high_word` is `below` or its older spelling `to` (high excluded) or `up_to` (included). A band of whole units
    (`units: 11-20`, both words `units`) holds the levels [11, 21): a total of 11 to 20 units, or, in marginal
    tiers, the 11th to the 20th unit.
    """

    low: Decimal | None
    high: Decimal | None
    value: Decimal
    pos: Pos = NOWHERE
    low_word: str = "from"
    high_word: str = "to"

    @property
    def units(self) -> bool:
        return self.low_word == "units"

    @property
    def low_open(self) -> bool:
        return self.low_word == "above"

    @property
    def high_closed(self) -> bool:
        return self.high_word == "up_to"

    def holds(self, x: Decimal) -> bool:
        above_low = self.low is None or x > self.low or (x == self.low and not self.low_open)
        below_high = self.high is None or x < self.high or (x == self.high and self.high_closed)
        return above_low and below_high

    def starts(self) -> str:
        """Where the band starts, in the words it was written with."""
        if self.low is None:
            return "with no lower end"
        return f"at unit {self.low}" if self.units else f"{self.low_word} {self.low}"

    def ends(self) -> str:
        """Where the band ends, in the words it was written with (`to` said as what it means: below)."""
        if self.high is None:
            return "with no end"
        if self.units:
            return f"at unit {self.high - ONE}"
        return f"up to {self.high}" if self.high_closed else f"below {self.high}"

    def __str__(self) -> str:
        if self.units:
            last = "+" if self.high is None else f"-{self.high - ONE}"
            return f"units {self.low}{last} -> {self.value}"
        low = "" if self.low is None else f"{self.low}"
        high = "" if self.high is None else f"{self.high}"
        return f"{'(' if self.low_open else '['}{low}, {high}{']' if self.high_closed else ')'} -> {self.value}"


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
    """Tiers on a deal figure, marginal or retroactive (全额累进): on the cumulative total of the period
    (`on: basis`, or `on: attainment` with the bounds in % of `target`), or on each deal's own figure
    (`on: each_deal`, paying each deal at most `cap_per_deal`)."""

    basis: str
    percent: bool
    table: Table
    method: str = "marginal"
    on: str = "basis"  # basis | attainment | each_deal
    target: Expression | None = None
    cap_per_deal: Decimal | None = None


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
    amount: Expression  # a number, or an expression such as base_salary
    when: Expression | None = None
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Gate:
    id: str
    label: str
    when: Expression
    factor: Expression  # a number, or an expression computed when the gate holds (e.g. the team's completion)
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
class Budget:
    """The most the plan's pay may cost one store in a month (everyone it pays there, all lines): a statement of
    intent that plan health compares history with; evaluation never reads it, so no pay is cut to fit it."""

    per_store_month: Decimal
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class WarningRules:
    """Which kinds of warning (a figure a policy stood in for) block the submission of a run; `pos`: where
    `block` is written."""

    block: tuple[str, ...] = BLOCKING_BY_DEFAULT
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    role: str
    version: str
    period: str = "month"
    for_probation: bool = False  # `for: probation`: a lighter plan for people of the role on probation
    policies: Policies = field(default_factory=Policies)
    warnings: WarningRules = field(default_factory=WarningRules)
    derived: tuple[tuple[str, Expression], ...] = ()
    derived_labels: tuple[tuple[str, str], ...] = ()  # (name, label) of each derived value the plan labels
    indicators: tuple[Indicator, ...] = ()
    weight_sets: tuple[WeightSet, ...] = ()
    bonus: Bonus | None = None
    base_pay: tuple[BasePay, ...] = ()
    pay_rules: tuple[PayRule, ...] = ()
    gates: tuple[Gate, ...] = ()
    limits: tuple[Limit, ...] = ()
    draw: Draw | None = None
    guaranteed_minimum: Decimal | None = None
    unwinds: str = "reduce_attainment"  # one of UNWINDS
    minimum_wage: str = ""  # one of MINIMUM_WAGE; "": not said, which flags a pay below a minimum wage given
    budget: Budget | None = None  # what the plan's pay may cost a store in a month (plan health; never evaluated)
    pos: Pos = NOWHERE

    @property
    def tops_up(self) -> bool:
        """A pay below the minimum wage gets a line bringing it up (else it is flagged with a warning)."""
        return self.minimum_wage == "top_up"

    def derived_label(self, name: str) -> str:
        """The words a statement shows for derived value `name` (试驾系数); "" when the plan gives none."""
        return dict(self.derived_labels).get(name, "")

    def indicator(self, id: str) -> Indicator | None:
        return next((indicator for indicator in self.indicators if indicator.id == id), None)

    def weight_set(self, stage: str | None) -> WeightSet | None:
        """The weight set for `stage`, else the default one."""
        by_stage = {weight_set.stage: weight_set for weight_set in self.weight_sets}
        return by_stage.get(stage or "default") or by_stage.get("default")
