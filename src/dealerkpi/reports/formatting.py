"""Figures as people read them at the monthly meeting; exact values are rounded here, for display only."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PLACES = {"units": Decimal("0.1"), "count": Decimal("1"), "yuan": Decimal("1"), "percent": Decimal("0.1"),
          "ratio": Decimal("0.01")}
DASH = "—"


def rounded(value: Decimal | int, unit: str) -> Decimal:
    places = PLACES.get(unit, Decimal("0.01"))
    number = Decimal(value).quantize(places, rounding=ROUND_HALF_UP)
    if unit == "units" and number == number.to_integral_value():  # half units exist only with split credit
        number = number.quantize(Decimal(1))
    return number


def shown(value: Decimal | int | None, unit: str = "count") -> str:
    """12345.6 yuan -> "12,346"; 33.333 percent -> "33.3%"; 1.456 (ratio) -> "1.46"; None -> "—"."""
    if value is None:
        return DASH
    number = rounded(value, unit)
    text = f"{number:,}"
    return f"{text}%" if unit == "percent" else text


def signed(value: Decimal | int | None, unit: str = "count") -> str:
    """A change: "+3", "−1.5" ("pts" are implied for percentages: the change of a rate is in points)."""
    if value is None:
        return DASH
    number = rounded(value, unit)
    if number == 0:
        return "0"
    text = f"{abs(number):,}"
    return f"+{text}" if number > 0 else f"−{text}"
