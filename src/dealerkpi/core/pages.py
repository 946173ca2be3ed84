"""What every page of the site shares: refusals, paging, the day or month asked for, a saved message, a step taken
once its form is valid."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponseRedirect
from django.utils import timezone

from dealerkpi.core.forms import asked

PER_PAGE = 50


def refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def page_of(request: HttpRequest, records: QuerySet) -> Page:
    return Paginator(records, PER_PAGE).get_page(request.GET.get("page"))


def asked_day(request: HttpRequest, today: datetime.date) -> datetime.date:
    """``?day=YYYY-MM-DD``, never after today; today when missing or not a date (core.forms.Asked)."""
    day = asked(request, "day")
    return min(day, today) if day else today


def asked_month(request: HttpRequest, today: datetime.date) -> datetime.date:
    """The first day of ``?month=YYYY-MM``, or of this month when missing or not a month (core.forms.Asked)."""
    return asked(request, "month") or today.replace(day=1)


def next_month(first: datetime.date) -> datetime.date:
    return (first + datetime.timedelta(days=32)).replace(day=1)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The day from midnight to midnight in the store's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def saved(request: HttpRequest, message: str) -> HttpResponseRedirect:
    messages.success(request, message)
    return HttpResponseRedirect(request.get_full_path())


def act_on(request: HttpRequest, form: Form, step: Callable[[Form], str]) -> bool:
    """Whether the step was taken: the form is valid and the step did not refuse. The step's refusal
    (ValidationError) becomes a form error, its message a success message."""
    if not form.is_valid():
        return False
    try:
        messages.success(request, step(form))
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True
