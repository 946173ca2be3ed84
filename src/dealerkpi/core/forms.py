"""What every form of the site shares: date widgets; dates, months and ids read through fields that bound them; the
check that a date is not in the future; and the query parameters pages read (``asked``), never parsed by hand.

Bounds: a date is from FIRST_YEAR to LAST_YEAR (year 1 or 9999 is a slip of the keyboard, or an attack, and a date
at the edge of the calendar cannot have a day added or be moved to UTC); an id is a positive integer the database
can hold. Out of bounds is a field error, translated, never a server error.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FIRST_YEAR, LAST_YEAR = 2000, 2100
BIGGEST_ID = 2**63 - 1  # the largest id a (big) auto field holds, on PostgreSQL and SQLite alike
MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")  # ASCII digits only, as the month picker sends


def date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})


def not_in_future(day: datetime.date) -> datetime.date:
    if day > timezone.localdate():
        raise forms.ValidationError(_("This date is in the future."), code="future")
    return day


def within_our_years(value: datetime.date) -> None:
    """The validator of every date, time and month the site reads (a datetime is a date)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(_("Enter a date from the year %(first)s to %(last)s."), code="year_range",
                              params={"first": FIRST_YEAR, "last": LAST_YEAR})


class DayField(forms.DateField):
    """A date, from FIRST_YEAR to LAST_YEAR."""

    widget = date_input()
    default_validators = [within_our_years]


class MomentField(forms.DateTimeField):
    """A date and time (the browser's picker sends 2026-10-03T10:30), from FIRST_YEAR to LAST_YEAR. One sent with a
    UTC offset (an API client's 2026-10-03T10:30+08:00) is read in the site's time zone: the database takes no offset
    it does not know (+18:05)."""

    widget = datetime_input()
    default_validators = [within_our_years]

    def to_python(self, value: object) -> datetime.datetime | None:
        moment = super().to_python(value)
        return timezone.localtime(moment) if moment is not None and timezone.is_aware(moment) else moment


class MonthField(forms.Field):
    """A month written YYYY-MM (the browser's month picker sends that), as its first day; from FIRST_YEAR to
    LAST_YEAR."""

    widget = forms.TextInput(attrs={"type": "month"})
    default_validators = [within_our_years]
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, e.g. 2026-10.")}

    def to_python(self, value: object) -> datetime.date | None:
        text = str(value or "").strip()
        if not text:
            return None
        found = MONTH.fullmatch(text)
        if found is None or not 1 <= int(found["month"]) <= 12:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return datetime.date(int(found["year"]), int(found["month"]), 1)


class RecordIdField(forms.IntegerField):
    """The id of a record: a positive integer the database can hold, in ASCII digits (``²`` is a digit to
    str.isdigit() but no number; int() reads ``٣`` as 3, which no link of the site sends; 30 digits overflow
    SQLite)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGGEST_ID)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_python(self, value: object) -> int | None:
        if not str(value or "").isascii():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class RecordsField(forms.ModelMultipleChoiceField):
    """Records ticked in a list: a value that is no id is "not one of the choices" (Django would look every value up
    as it is, and a 30-digit one overflows SQLite's integers)."""

    def _check_values(self, value: list[object]) -> object:
        for pk in value:
            try:
                RecordIdField().clean(pk)
            except ValidationError:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk}) from None
        return super()._check_values(value)


class Asked(forms.Form):
    """The query parameters pages read, each through its field. A value that is not one (not a date, out of the
    years, no id) reads as not asked: the page shows its default (or refuses, where it says so)."""

    day = DayField(required=False)
    month = MonthField(required=False)
    year = forms.IntegerField(required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    store = RecordIdField(required=False)
    lead = RecordIdField(required=False)
    visit = RecordIdField(required=False)
    model = RecordIdField(required=False)
    v = RecordIdField(required=False)  # a plan's version number
    q = forms.CharField(required=False, max_length=100)  # what a list is searched for
    metric = forms.CharField(required=False, max_length=80)  # a metric's name, e.g. units_by_model:YH-S7


def asked(request: HttpRequest, name: str) -> Any:
    """The query parameter ``name`` (a field of ``Asked``) as its field reads it; None if missing or not one."""
    form = Asked(request.GET)
    form.is_valid()
    return form.cleaned_data.get(name)


def asked_wrongly(request: HttpRequest, name: str) -> bool:
    """Whether the query string gives ``name`` a value that is not one (for pages that refuse rather than ignore)."""
    return name in Asked(request.GET).errors
