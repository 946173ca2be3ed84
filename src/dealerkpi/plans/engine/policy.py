"""The plan's explicit policies for division by zero, missing targets and missing values, and the warnings
they leave when they stand in for a figure (and those of the minimum wage check)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dealerkpi.core.money import ZERO

POLICY_CHOICES = ("zero", "skip", "error")
WARNING_KINDS = (
    "missing_target",
    "missing_value",
    "missing_rating",
    "division_by_zero",
    "below_minimum_wage",  # under `minimum_wage: flag`: the pay is below the minimum wage and not topped up
    "missing_minimum_wage",  # the plan names `minimum_wage` and no minimum wage is given for the person
)
BLOCKING_BY_DEFAULT = ("missing_target",)  # the warning kinds that block a run's submission when a plan says none
_POLICY_OF_KIND = {"missing_rating": "missing_value"}  # a missing rating follows the missing_value policy


class Skipped(Exception):
    """The indicator or rule being evaluated is skipped under the plan's `skip` policy."""


class EvaluationError(Exception):
    """A figure cannot be computed under the plan's `error` policy (or the input is unusable)."""


@dataclass(frozen=True)
class Policies:
    division_by_zero: str = "error"
    missing_target: str = "error"
    missing_value: str = "error"

    def choice(self, kind: str) -> str:
        """The policy a warning kind follows: missing_rating follows missing_value, the others their own."""
        return str(getattr(self, _POLICY_OF_KIND.get(kind, kind)))


def apply_policy(choice: str, reason: str) -> Decimal:
    """Return the policy's value for a figure that cannot be computed, or raise as the policy says."""
    if choice == "zero":
        return ZERO
    if choice == "skip":
        raise Skipped(reason)
    raise EvaluationError(reason)
