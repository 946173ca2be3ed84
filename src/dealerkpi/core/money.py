"""Money in one place: CNY as Decimal, rounded half-up to the fen only where a figure is final.

This module imports nothing from Django so the KPI engine can use it alone.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


class MoneyError(ValueError):
    """A value that cannot be taken as money."""


def yuan(value: str | int | Decimal) -> Decimal:
    """Return ``value`` as an exact Decimal amount of yuan; floats are refused, they are not exact."""
    if isinstance(value, (bool, float)):
        raise MoneyError(f"money must be given as str, int or Decimal, not {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation as exc:
            raise MoneyError(f"not an amount: {value!r}") from exc
    else:
        raise MoneyError(f"money must be given as str, int or Decimal, not {type(value).__name__}")
    if not result.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    return result


def fen(amount: Decimal) -> Decimal:
    """Round a final amount half-up to the fen (0.01 yuan)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def half_up(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half-up (a tie away from zero) to ``places`` decimals, as PostgreSQL rounds a number into
    a column with that many places. Rounded so before it is written, a figure reads back the same from SQLite,
    whose Django backend would round a tie to even."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
