"""Results with their trace: indicator results, gates, payout lines and the person's total.

Payout lines are the only place money is rounded (half-up to the fen, in `payout_line`); the total is
the sum of the lines shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dealerkpi.core.money import ZERO, fen

from .expr import MAX_NUMBER
from .policy import EvaluationError

Values = Mapping[str, Decimal]
SHOWN = Decimal("0.0001")


def shown(value: Decimal) -> str:
    """A computed figure for a label: to 4 decimal places, trailing zeros left out (0.8333, 1.2, 3)."""
    text = f"{value.quantize(SHOWN, rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Wording:
    """What a text the engine wrote says, as a key and its values, so a caller can word it in the reader's
    language (the English text stays beside it for the command line)."""

    key: str
    args: Mapping[str, str] = field(default_factory=dict)


def wording(key: str, **args: object) -> Wording:
    return Wording(key, {name: str(value) for name, value in args.items()})


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    label: str
    rule: str  # the scoring rule in words
    actual: Decimal | None = None
    target: Decimal | None = None
    achievement: Decimal | None = None  # percent
    score: Decimal | None = None
    weight: Decimal = ZERO
    weighted_score: Decimal = ZERO
    inputs: Values = field(default_factory=dict)
    note: str = ""  # why it was skipped, or the manual rating's comment
    skipped: bool = False
    rule_wording: Wording | None = None


@dataclass(frozen=True)
class GateResult:
    id: str
    label: str
    condition: str
    held: bool
    factor: Decimal | None  # None: an expression not computed, as the gate did not hold
    inputs: Values = field(default_factory=dict)


@dataclass(frozen=True)
class DealShare:
    """The part of a line earned by one deal: its credited quantity and its (unrounded) amount."""

    deal: str
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PayoutLine:
    category: str  # base_pay, bonus, commission, fine, quarterly_bonus, annual_bonus, draw, guarantee, ...
    kind: str  # what produced it: the pay rule's kind, or gate, cap, floor, draw, clawback, ...
    rule: str  # the id of the rule, gate or limit
    label: str
    amount: Decimal  # rounded to the fen
    exact: Decimal  # before rounding
    inputs: Values = field(default_factory=dict)  # the named figures the rule read
    values: Values = field(default_factory=dict)  # intermediate values: rates, positions, multipliers
    deals: tuple[DealShare, ...] = ()
    wording: Wording | None = None  # set when the engine wrote the label; plan rules carry the plan's label


def payout_line(
    category: str,
    kind: str,
    rule: str,
    label: str,
    exact: Decimal,
    inputs: Values | None = None,
    values: Values | None = None,
    deals: tuple[DealShare, ...] = (),
    wording: Wording | None = None,
) -> PayoutLine:
    """A final payout line: the exact amount rounded half-up to the fen, once. An amount no statement can hold
    (10^12 or more) is an error of the person's evaluation."""
    if abs(exact) >= MAX_NUMBER:
        raise EvaluationError(f"{label}: {exact} is beyond the largest amount a statement holds")
    amount = fen(exact) + ZERO  # adding zero turns -0.00 into 0.00
    return PayoutLine(
        category, kind, rule, label, amount, exact, dict(inputs or {}), dict(values or {}), deals, wording
    )


@dataclass(frozen=True)
class Item:
    """What was being evaluated when a figure was missing: an indicator, a derived value, a pay rule, a gate,
    base pay or the bonus; with its label in the plan. Or the minimum wage check."""

    kind: str  # indicator | derived | pay_rule | gate | base_pay | bonus | minimum_wage
    id: str
    label: str = ""

    def __str__(self) -> str:
        words = self.kind.replace("_", " ")
        return words if self.kind in ("base_pay", "bonus", "minimum_wage") else f"{words} {self.id}"


MINIMUM_WAGE_WARNINGS = {
    "below_minimum_wage": "the pay is below the minimum wage of {figure}; not topped up",
    "missing_minimum_wage": "no minimum wage is given; the pay is not compared with one",
}


@dataclass(frozen=True)
class Warning:
    """A figure a plan policy stood in for: a value counted as 0 (`zero`) or the item left out (`skip`). Or the
    minimum wage check: a pay below it flagged (`below_minimum_wage`, policy `flag`), or no minimum wage given
    (`missing_minimum_wage`, policy: the plan's `minimum_wage`).
    `blocking`: the plan's `warnings: {block: [...]}` names its kind, so a run holding it cannot be submitted."""

    kind: str  # one of policy.WARNING_KINDS
    figure: str  # the name or expression concerned: target.units_delivered, rating.showroom, 'a / b'; the
    # minimum wage due (below_minimum_wage)
    policy: str  # zero | skip; flag | top_up for the minimum wage
    item: Item
    blocking: bool = False

    def __str__(self) -> str:
        blocks = "; blocks submission" if self.blocking else ""
        if self.kind in MINIMUM_WAGE_WARNINGS:
            said = MINIMUM_WAGE_WARNINGS[self.kind].format(figure=self.figure)
            return f"{self.item}: {said} ({self.kind}, minimum_wage: {self.policy}){blocks}"
        causes = {"missing_rating": "nobody rated it", "division_by_zero": f"division by zero in {self.figure}"}
        cause = causes.get(self.kind, f"{self.figure} is missing")
        skipped = {"gate": "not applied", "derived": "left empty"}.get(self.item.kind, "left out")
        effect = "counted as 0" if self.policy == "zero" else skipped
        return f"{self.item}: {cause}; {effect} ({self.kind}, policy {self.policy}){blocks}"


@dataclass(frozen=True)
class PersonResult:
    person: str
    name: str
    team: str
    plan: str
    version: str
    period: str
    stage: str = ""
    weight_set: str = ""
    indicators: tuple[IndicatorResult, ...] = ()
    derived: Mapping[str, Decimal | None] = field(default_factory=dict)  # derived values; None: skipped
    total_score: Decimal | None = None
    coefficient: Decimal | None = None
    gates: tuple[GateResult, ...] = ()
    lines: tuple[PayoutLine, ...] = ()
    carried_balance: Decimal = ZERO  # a negative balance carried to the next period, recoverable
    draw_outstanding: Decimal = ZERO
    paid_for_deals: Values = field(default_factory=dict)  # deal id -> amount paid for it this period
    notes: tuple[str, ...] = ()
    error: str = ""
    warnings: tuple[Warning, ...] = ()  # each figure a policy stood in for, once

    @property
    def blocked(self) -> bool:
        """A warning of a kind the plan blocks on: the result may not be submitted as it is."""
        return any(warning.blocking for warning in self.warnings)

    @property
    def total(self) -> Decimal:
        """The sum of the lines shown."""
        return sum((line.amount for line in self.lines), ZERO)
