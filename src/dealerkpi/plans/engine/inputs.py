"""What the caller hands the engine for one period: people, actuals, targets, deals, ratings, history.

Records carry the team of the day, so a consultant who moves team mid-month is credited to each team
for the records made while in it.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from dealerkpi.core.money import HUNDRED, ZERO

from .policy import EvaluationError


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """A period written YYYY-MM."""
        year, _, month = text.strip().partition("-")
        if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
            raise ValueError(f"{text!r} is not a period written YYYY-MM")
        return cls(int(year), int(month))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @cached_property  # a month-end asks each deal whether it counts in the period: millions of times
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @cached_property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def days(self) -> int:
        """Calendar days in the month."""
        return self.last_day.day

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    def within(self, window: str, other: Period) -> bool:
        """Whether `other` is in the same `window` (month, quarter, year) as this period, up to it."""
        if other > self or other.year != self.year:
            return False
        return {"month": other == self, "quarter": other.quarter == self.quarter, "year": True}[window]

    def closes(self, window: str) -> bool:
        """Whether this period is the last month of its `window`."""
        return {"month": True, "quarter": self.month % 3 == 0, "year": self.month == 12}[window]


@dataclass(frozen=True)
class Person:
    """Who is assessed, with what their staff record and their store say about their pay for the month."""

    id: str
    name: str = ""
    role: str = ""
    team: str = ""  # the team the person belongs to or leads at the end of the period
    base_salary: Decimal | None = None  # the staff record's base salary (基本工资), the name `base_salary`
    minimum_wage: Decimal | None = None  # the monthly minimum wage in force at the person's store, for a whole month
    days_employed: int | None = None  # calendar days employed in the month; None: all of them

    def days_in(self, period: Period) -> int:
        """Calendar days employed in the period."""
        days = period.days if self.days_employed is None else self.days_employed
        if not 0 <= days <= period.days:
            raise EvaluationError(f"{self.id} is employed {days} days of {period}, which has {period.days}")
        return days


@dataclass(frozen=True)
class Actuals:
    """A person's figures while in one team; a person who changed team has one row per team."""

    person: str
    team: str
    metrics: Mapping[str, Decimal]


@dataclass(frozen=True)
class Target:
    """A person's targets (person set) or a team's explicit targets (person empty)."""

    metrics: Mapping[str, Decimal]
    person: str = ""
    team: str = ""


@dataclass(frozen=True)
class Credit:
    person: str
    share: Decimal = HUNDRED  # percent of the deal credited to the person
    team: str = ""  # the person's team on the deal's date


@dataclass(frozen=True)
class Deal:
    """A delivered car (交车) with its figures (see catalogue.DEAL_FIGURES) and who is credited."""

    id: str
    delivered_on: date
    credits: tuple[Credit, ...]
    figures: Mapping[str, Decimal] = field(default_factory=dict)
    model_code: str = ""
    margin_class: str = ""
    unwound_on: date | None = None

    @cached_property
    def credit_problems(self) -> tuple[str, ...]:
        """Why the split credit is wrong (shares must be positive and sum to 100), worked out once: every
        commission rule of every person credited asks again."""
        problems = [
            f"deal {self.id}: share of {credit.person} is {credit.share}, it must be above 0"
            for credit in self.credits
            if credit.share <= ZERO
        ]
        total = sum((credit.share for credit in self.credits), ZERO)
        if total != HUNDRED:
            problems.append(f"deal {self.id}: shares sum to {total}, not 100")
        return tuple(problems)

    def figure(self, name: str) -> Decimal:
        if name == "units_delivered":
            return self.figures.get(name, Decimal(1))
        return self.figures.get(name, ZERO)

    def counts_in(self, period: Period) -> bool:
        """Delivered in the period and not unwound by its end: it is paid in the period."""
        delivered = period.first_day <= self.delivered_on <= period.last_day
        return delivered and (self.unwound_on is None or self.unwound_on > period.last_day)

    def reversed_in(self, period: Period) -> bool:
        """Delivered in an earlier period and unwound in this one: what it was paid is clawed back now."""
        unwound = self.unwound_on is not None and period.first_day <= self.unwound_on <= period.last_day
        return unwound and self.delivered_on < period.first_day


@dataclass(frozen=True)
class Rating:
    person: str
    indicator: str
    value: Decimal
    comment: str = ""
    rated_by: str = ""


@dataclass(frozen=True)
class MonthRecord:
    """An earlier month of the same year: its actuals, targets and total score."""

    period: Period
    metrics: Mapping[str, Decimal] = field(default_factory=dict)
    targets: Mapping[str, Decimal] = field(default_factory=dict)
    total_score: Decimal | None = None


@dataclass(frozen=True)
class History:
    """What earlier periods left for this one."""

    months: tuple[MonthRecord, ...] = ()
    carried_balance: Decimal = ZERO  # negative: recoverable from this period's pay
    draw_outstanding: Decimal = ZERO  # advances not yet recovered
    paid_for_deals: Mapping[str, Decimal] = field(default_factory=dict)  # deal id -> amount paid earlier


@dataclass(frozen=True)
class PeriodInputs:
    period: Period
    people: tuple[Person, ...]
    actuals: tuple[Actuals, ...] = ()
    targets: tuple[Target, ...] = ()
    deals: tuple[Deal, ...] = ()
    ratings: tuple[Rating, ...] = ()
    history: Mapping[str, History] = field(default_factory=dict)
    stage: str | None = None  # lifecycle stage of the store's main model: picks the weight set


def credit_errors(deal: Deal) -> list[str]:
    """Why the deal's split credit is wrong: shares must be positive and sum to 100."""
    return list(deal.credit_problems)


def credited(deal: Deal, figure: str, by: str = "person") -> dict[str, Decimal]:
    """The deal's figure split by share between the credited people (or their teams, `by="team"`).

    The parts sum to the whole.
    """
    if deal.credit_problems:
        raise EvaluationError("; ".join(deal.credit_problems))
    parts: dict[str, Decimal] = {}
    whole = deal.figure(figure)
    for credit in deal.credits:
        key = credit.team if by == "team" else credit.person
        parts[key] = parts.get(key, ZERO) + whole * credit.share / HUNDRED
    return parts
