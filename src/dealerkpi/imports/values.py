"""Cells to typed values. A cell arrives as the house reader (``core.spreadsheets``) gives it: text from a CSV
file, or str, int, Decimal, bool or datetime from a workbook; each parser returns the typed value or raises
``Invalid`` with a message for the user.

Times without an offset are Shanghai time (the store's); Excel's serial times are rounded to the second.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext as _

from dealerkpi.core.spreadsheets import NotANumber, cell_number
from dealerkpi.core.spreadsheets import cell_text as text
from dealerkpi.core.spreadsheets import is_blank as is_blank  # for the importers
from dealerkpi.core.validators import validate_mainland_mobile, validate_vin

Parser = Callable[[Any], Any]

DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日%H:%M", "%Y-%m-%dT%H:%M",
)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
YES = frozenset({"1", "yes", "y", "true", "t", "是", "已", "√", "✓", "✔", "ok"})
NO = frozenset({"0", "no", "n", "false", "f", "否", "未", "×", "✗", "✘"})
# Every format above starts with the year: a text that does not is spared a dozen failing strptime calls (which
# would flush strptime's cache of five patterns each time).
YEAR_FIRST = re.compile(r"\d{4}\D")
MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
NUMBERED = re.compile(r"^(?:[A-Za-z]{1,3}-?)?(\d{1,18})$")  # 123, A-123 (an A-card), SO-45 (an order)


class Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@cache
def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime.datetime) -> datetime.date:
    """The day in the store's time zone (timezone.localdate, without its per-call overhead)."""
    return moment.astimezone(local_zone()).date()


def code(max_length: int) -> Parser:
    """A code typed by people (store code, employee number): text, at most ``max_length`` characters."""

    def parse(cell: Any) -> str:
        value = text(cell)
        if len(value) > max_length:
            raise Invalid(_("At most %(n)s characters; this has %(found)s.") % {"n": max_length, "found": len(value)})
        return value

    return parse


def note(max_length: int) -> Parser:
    def parse(cell: Any) -> str:
        value = " ".join(text(cell).split())
        if len(value) > max_length:
            raise Invalid(_("At most %(n)s characters; this has %(found)s.") % {"n": max_length, "found": len(value)})
        return value

    return parse


def record_id(cell: Any) -> int:
    """A record number as the desk shows it: 123, A-123 or SO-123."""
    if isinstance(cell, int) and not isinstance(cell, bool) and cell > 0:
        return cell
    found = NUMBERED.match(text(cell).replace(" ", ""))
    if found is None or int(found.group(1)) == 0:
        raise Invalid(_("“%(text)s” is not a record number such as 1234.") % {"text": text(cell)})
    return int(found.group(1))


def _aware(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=local_zone())
    return value


def _excel_time(value: datetime.datetime) -> datetime.datetime:
    """Excel stores times as fractions of a day: 14:30 may come back as 14:29:59.999998."""
    if value.microsecond >= 500_000:
        value += datetime.timedelta(seconds=1)
    return value.replace(microsecond=0)


def _parse_text_time(value: str) -> datetime.datetime | None:
    if len(value) > 10:
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            pass
    for pattern in DATETIME_FORMATS if YEAR_FIRST.match(value) else ():
        try:
            return datetime.datetime.strptime(value, pattern)
        except ValueError:
            continue
    return None


def moment(cell: Any) -> datetime.datetime:
    """A date and time; a date alone is refused (a contact or a delivery happens at a time of day)."""
    if isinstance(cell, datetime.datetime):
        return _aware(_excel_time(cell))
    parsed = None if isinstance(cell, datetime.date) else _parse_text_time(text(cell))
    if parsed is None:
        raise Invalid(_("“%(text)s” is not a date and time; write e.g. 2026-10-05 14:30.") % {"text": text(cell)})
    return _aware(parsed)


def day(cell: Any) -> datetime.date:
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    value = text(cell)
    if len(value) == 10:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    for pattern in DATE_FORMATS if YEAR_FIRST.match(value) else ():
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    parsed = _parse_text_time(value)
    if parsed is not None and parsed.time() == datetime.time.min:
        return parsed.date()
    raise Invalid(_("“%(text)s” is not a date; write e.g. 2026-10-05.") % {"text": value})


def flag(cell: Any) -> bool:
    if isinstance(cell, bool):
        return cell
    value = text(cell).casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    raise Invalid(_("“%(text)s” is neither yes nor no; write 1 or 0.") % {"text": text(cell)})


@cache
def _choice_names(choices: type[TextChoices]) -> dict[str, str]:
    """Every way to name a choice: its code, and its label in English and in Chinese."""
    names: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices.choices:
                names.setdefault(str(label).casefold(), value)
    for value in choices.values:
        names[value.casefold()] = value
    return names


def choice(choices: type[TextChoices]) -> Parser:
    def parse(cell: Any) -> str:
        value = _choice_names(choices).get(text(cell).casefold())
        if value is None:
            raise Invalid(_("“%(text)s” is not one of: %(choices)s.") % {
                "text": text(cell), "choices": ", ".join(f"{c} ({label})" for c, label in choices.choices)})
        return value

    return parse


def vin(cell: Any) -> str:
    value = text(cell).upper().replace(" ", "")
    try:
        validate_vin(value)
    except ValidationError as error:
        raise Invalid(" ".join(error.messages)) from error
    return value


def amount(cell: Any) -> Decimal:
    """An amount of yuan above zero, at most to the fen (1,800,000 and 199000.5 are read)."""
    try:
        number = cell_number(cell)
    except NotANumber:
        number = None
    if number is None or number <= 0 or number != number.quantize(Decimal("0.01")) or number >= 10**12:
        raise Invalid(_("“%(text)s” is not an amount of yuan above zero, e.g. 198000.00.") % {"text": text(cell)})
    return number


def _number(cell: Any) -> Decimal | None:
    try:
        return cell_number(cell)
    except NotANumber:
        return None


def _to_fen(number: Decimal | None) -> bool:
    return number is not None and number == number.quantize(Decimal("0.01")) and abs(number) < 10**12


def amount_or_zero(cell: Any) -> Decimal:
    """An amount of yuan, zero allowed (gifts, a discount), at most to the fen."""
    number = _number(cell)
    if not _to_fen(number) or number is None or number < 0:
        raise Invalid(_("“%(text)s” is not an amount of yuan, e.g. 1200.00.") % {"text": text(cell)})
    return number


def signed_amount(cell: Any) -> Decimal:
    """An amount of yuan, negative for a refund, not zero."""
    number = _number(cell)
    if not _to_fen(number) or not number:
        raise Invalid(_("“%(text)s” is not an amount of yuan (negative for a refund), e.g. 5000.00.") % {
            "text": text(cell)})
    return number


def figure(cell: Any) -> Decimal:
    """A target's value: a number of zero or more with at most two decimals."""
    number = _number(cell)
    if not _to_fen(number) or number is None or number < 0:
        raise Invalid(_("“%(text)s” is not a number of zero or more with at most two decimals.") % {
            "text": text(cell)})
    return number


def percent(cell: Any) -> Decimal:
    number = _number(text(cell).rstrip("%") if isinstance(cell, str) else cell)
    if number is None or not 0 < number < 100 or number != number.quantize(Decimal("0.01")):
        raise Invalid(_("“%(text)s” is not a share above 0 and below 100 (%%).") % {"text": text(cell)})
    return number


def month(cell: Any) -> datetime.date:
    """A month: 2026-10, 2026/10, 2026年10月, or any day of it."""
    if isinstance(cell, datetime.date):
        return (cell.date() if isinstance(cell, datetime.datetime) else cell).replace(day=1)
    value = text(cell)
    found = MONTH.match(value)
    if found is not None and 1 <= int(found.group(2)) <= 12:
        return datetime.date(int(found.group(1)), int(found.group(2)), 1)
    try:
        return day(cell).replace(day=1)
    except Invalid:
        raise Invalid(_("“%(text)s” is not a month; write e.g. 2026-10.") % {"text": value}) from None


def mobile(cell: Any) -> str:
    value = text(cell).replace(" ", "").replace("-", "")
    try:
        validate_mainland_mobile(value)
    except ValidationError as error:
        raise Invalid(" ".join(error.messages)) from error
    return value


def whole(cell: Any) -> int:
    number = _number(cell)
    if number is None or number != number.to_integral_value() or not 0 < number < 1000:
        raise Invalid(_("“%(text)s” is not a whole number from 1 to 999.") % {"text": text(cell)})
    return int(number)
