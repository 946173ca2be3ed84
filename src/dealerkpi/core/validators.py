"""Validation where data enters the system, with messages in both languages."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")

# ISO 3779: letters I, O and Q are never used; each character has a value and each position a weight.
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) a 17-character VIN must carry: '0'-'9' or 'X'."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(value: str) -> None:
    if len(value) != 17:
        raise ValidationError(
            _("A VIN has 17 characters; this one has %(count)d."), code="vin_length", params={"count": len(value)}
        )
    bad = sorted({c for c in value if c not in _VIN_VALUES})
    if bad:
        raise ValidationError(
            _("A VIN uses digits and capital letters except I, O and Q; found %(chars)s."),
            code="vin_characters",
            params={"chars": "".join(bad)},
        )
    expected = vin_check_digit(value)
    if value[8] != expected:
        raise ValidationError(
            _("The VIN's check digit (9th character) should be %(expected)s, not %(found)s."),
            code="vin_check_digit",
            params={"expected": expected, "found": value[8]},
        )


def validate_mainland_mobile(value: str) -> None:
    if not MAINLAND_MOBILE.match(value or ""):
        raise ValidationError(
            _("Enter a mainland China mobile number: 11 digits starting with 13 to 19."), code="phone"
        )


def mask_phone(value: str) -> str:
    """138****5678: what roles that do not need the number see."""
    if len(value) == 11:
        return f"{value[:3]}****{value[7:]}"
    return "****" if value else ""


def validate_first_of_month(value: datetime.date) -> None:
    if value and value.day != 1:
        raise ValidationError(_("Enter the first day of the month."))
