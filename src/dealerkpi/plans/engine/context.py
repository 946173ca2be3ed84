"""One person's evaluation context: resolving names, evaluating expressions under the plan's policies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from dealerkpi.core.money import ZERO

from . import expr
from .figures import Figures
from .inputs import Period, Person
from .names import Reference, reference
from .policy import apply_policy
from .schema import Expression, Plan
from .trace import Item, Warning

TARGET_KINDS = ("target", "team.target", "quarter.target", "year.target")
# a plan's few names, each classified once instead of once a person; bounded, as a long-lived process sees many drafts
_reference = lru_cache(maxsize=4096)(reference)


@dataclass
class Context:
    """Mutable while one person is evaluated: computed values are added in dependency order."""

    plan: Plan
    figures: Figures
    person: Person
    period: Period
    computed: dict[str, Decimal | None] = field(default_factory=dict)  # None: skipped
    item: Item = Item("", "")  # what is being evaluated
    warnings: dict[Warning, None] = field(default_factory=dict)  # each figure a policy stood in for, once, in order

    def __post_init__(self) -> None:
        self.derived = frozenset(name for name, _ in self.plan.derived)

    @contextmanager
    def evaluating(self, item: Item) -> Iterator[None]:
        """Name the item the figures read meanwhile belong to, for the warnings."""
        before, self.item = self.item, item
        try:
            yield
        finally:
            self.item = before

    def stand_in(self, kind: str, figure: str, reason: str) -> Decimal:
        """What the plan's policy puts in place of a figure that cannot be computed (a warning kind: see
        policy.WARNING_KINDS): 0, or Skipped or EvaluationError raised. A value counted as 0 or an item skipped
        leaves a warning."""
        choice = self.plan.policies.choice(kind)
        if choice != "error":
            self.warn(kind, figure, choice)
        return apply_policy(choice, reason)

    def warn(self, kind: str, figure: str, policy: str) -> None:
        """Record a warning of `kind` on the item being evaluated, blocking if the plan blocks on its kind."""
        self.warnings[Warning(kind, figure, policy, self.item, blocking=kind in self.plan.warnings.block)] = None

    def figure(self, found: Reference) -> Decimal | None:
        """The value a reference names, or None when it is missing."""
        person, team, metric = self.person.id, self.person.team, found.subject
        match found.kind:
            case "metric":
                return self.figures.actual(person, metric)
            case "target":
                return self.figures.target(person, metric)
            case "team.sum":
                return self.figures.team_sum(team, metric)
            case "team.avg":
                return self.figures.team_average(team, metric)
            case "team.target":
                return self.figures.team_target(team, metric)
            case "quarter.sum" | "year.sum" | "quarter.target" | "year.target":
                return self.window_sum(found)
            case "avg_score":
                return self.average_score(found.subject)
            case "person":
                return getattr(self.person, found.subject)
        return self.computed.get(found.kind if found.kind == "total_score" else f"{found.kind}.{found.subject}")

    def window_sum(self, found: Reference) -> Decimal | None:
        window, _, what = found.kind.partition(".")
        of_targets = what == "target"
        current = (self.figures.target if of_targets else self.figures.actual)(self.person.id, found.subject)
        if current is None:
            return None
        return current + self.figures.earlier_sum(self.person.id, window, found.subject, self.period, of_targets)

    def average_score(self, window: str) -> Decimal | None:
        current = self.computed.get("total_score")
        if current is None:
            return None
        scores = [*self.figures.earlier_scores(self.person.id, window, self.period), current]
        return sum(scores, ZERO) / len(scores)

    def lookup(self, name: str) -> Decimal:
        found = _reference(name, self.derived)
        value = self.figure(found)
        if value is not None:
            return value
        kind = "missing_target" if found.kind in TARGET_KINDS else "missing_value"
        return self.stand_in(kind, name, f"{name} is missing for {self.person.id}")

    def evaluate(self, expression: Expression) -> tuple[Decimal, dict[str, Decimal]]:
        """The expression's value and the named figures it read."""
        used: dict[str, Decimal] = {}

        def lookup(name: str) -> Decimal:
            used[name] = self.lookup(name)
            return used[name]

        def division_by_zero() -> Decimal:
            return self.stand_in(
                "division_by_zero", expression.source, f"division by zero in {expression.source!r} for {self.person.id}"
            )

        return expr.evaluate(expression.tree, lookup, division_by_zero), used

    def divide(self, numerator: Decimal, denominator: Decimal, figure: str, what: str) -> Decimal:
        """numerator / denominator (the `figure` named in warnings), with a zero denominator handled by the plan's
        policy."""
        if denominator == ZERO:
            return self.stand_in("division_by_zero", figure, f"division by zero: {what}")
        return numerator / denominator
