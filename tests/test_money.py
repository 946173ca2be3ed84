"""Money in one place: each case names the trap it guards."""

from decimal import Decimal

import pytest

from dealerkpi.core.money import MoneyError, fen, yuan


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2.675", Decimal("2.68"), id="float-would-give-2.67"),
        pytest.param("0.005", Decimal("0.01"), id="half-goes-up-not-to-even"),
        pytest.param("0.015", Decimal("0.02"), id="bankers-rounding-would-give-0.02-too-but-0.025-differs"),
        pytest.param("0.025", Decimal("0.03"), id="bankers-rounding-would-give-0.02"),
        pytest.param("-0.005", Decimal("-0.01"), id="negative-half-rounds-away-from-zero"),
        pytest.param("1999.994999", Decimal("1999.99"), id="below-half-goes-down"),
    ],
)
def test_fen_rounds_half_up(raw: str, expected: Decimal) -> None:
    assert fen(Decimal(raw)) == expected


@pytest.mark.parametrize("value", [0.1, 2.675, True])
def test_yuan_refuses_inexact_input(value: object) -> None:
    with pytest.raises(MoneyError):
        yuan(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("229,800.00", Decimal("229800.00")), (" 12.5 ", Decimal("12.5")), (300, Decimal("300")),
     (Decimal("0.10"), Decimal("0.10"))],
)
def test_yuan_accepts_exact_input(value: object, expected: Decimal) -> None:
    assert yuan(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", ""])
def test_yuan_names_the_bad_value(value: str) -> None:
    with pytest.raises(MoneyError, match="amount"):
        yuan(value)
