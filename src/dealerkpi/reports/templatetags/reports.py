"""Template filters of the monthly analysis: {{ value|figure:"yuan" }}, {{ change|change:"percent" }}."""

from __future__ import annotations

from decimal import Decimal

from django import template

from dealerkpi.reports.formatting import DASH, shown, signed

register = template.Library()


@register.filter
def figure(value: object, unit: str = "count") -> str:
    """A figure; anything that is not a number (a missing value, "" from the template) is a dash."""
    return shown(value, unit) if isinstance(value, (Decimal, int)) else DASH


@register.filter
def change(value: object, unit: str = "count") -> str:
    return signed(value, unit) if isinstance(value, (Decimal, int)) else DASH


@register.filter
def trend(value: object, lower_is_better: bool = False) -> str:
    """A CSS class for a change: better, worse or flat."""
    if not isinstance(value, (Decimal, int)) or value == 0:
        return "flat"
    return "better" if (value > 0) != bool(lower_is_better) else "worse"
