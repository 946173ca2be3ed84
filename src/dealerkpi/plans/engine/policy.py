"""The plan's explicit policies for division by zero, missing targets and missing values."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dealerkpi.core.money import ZERO

POLICY_CHOICES = ("zero", "skip", "error")


class Skipped(Exception):
    """The indicator or rule being evaluated is skipped under the plan's `skip` policy."""


class EvaluationError(Exception):
    """A figure cannot be computed under the plan's `error` policy (or the input is unusable)."""


@dataclass(frozen=True)
class Policies:
    division_by_zero: str = "error"
    missing_target: str = "error"
    missing_value: str = "error"


def apply_policy(choice: str, reason: str) -> Decimal:
    """Return the policy's value for a figure that cannot be computed, or raise as the policy says."""
    if choice == "zero":
        return ZERO
    if choice == "skip":
        raise Skipped(reason)
    raise EvaluationError(reason)
