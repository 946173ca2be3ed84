"""The frame every metric is computed in: the stores, the calendar month (Asia/Shanghai) or a run of days in
it (a day, month to date, the last 30 days), the crediting policy.

Also the two expressions most metrics share: a timestamp's local day, and the team a person belonged to on
a day (TeamMembership in force then), as a correlated subquery so grouping by it stays one query, or as a join
on rows already summed per person and day (`team_of_day_join`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from dealerkpi.org.models import Store, TeamMembership
from dealerkpi.plans.engine import Period

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Crediting(StrEnum):
    """When a deal counts: on delivery, or once fully paid (and delivered)."""

    DELIVERED = "delivered"
    PAID = "paid"


def shift(period: Period, months: int) -> Period:
    """The period `months` later (negative: earlier)."""
    index = period.year * 12 + period.month - 1 + months
    return Period(index // 12, index % 12 + 1)


@dataclass(frozen=True)
class Days:
    """A run of calendar days (Shanghai), both ends included: what a page counts when it is not a whole month
    (a day, the month to date, the last 30 days). Its month, for the metrics that look at one, is the last day's.
    """

    first: datetime.date
    last: datetime.date

    @classmethod
    def month_to_date(cls, day: datetime.date) -> Days:
        return cls(day.replace(day=1), day)

    @classmethod
    def ending(cls, day: datetime.date, count: int) -> Days:
        """The `count` days up to and including `day`."""
        return cls(day - datetime.timedelta(days=count - 1), day)

    @property
    def period(self) -> Period:
        return Period(self.last.year, self.last.month)


Span = Period | Days  # a month, or days


def whole_days(today: datetime.date) -> Days:
    """The days of today's month a run rate is taken over: those that are over (on the first, today so far). The
    daily report of a morning reads the same days."""
    first = today.replace(day=1)
    return Days(first, today - datetime.timedelta(days=1)) if today > first else Days(first, today)


def projected(value: Decimal, days: Days) -> Decimal:
    """The month's figure if the rest of the month goes as the days so far: value / days gone x days in the
    month, to 2 places half-up (whole figures when the value is)."""
    gone = (days.last - days.first).days + 1
    whole = days.period.last_day.day
    if gone >= whole:
        return value
    return (value * whole / gone).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Frame:
    """Stores x month (or days) x crediting policy; `as_of` is the day up to which due dates can have been missed.

    `period` is the month; `days`, when set, narrows what is counted to those days (the month-based metrics,
    such as market share or attrition, still look at `period`)."""

    store_ids: tuple[int, ...]
    period: Period
    crediting: Crediting = Crediting.DELIVERED
    as_of: datetime.date | None = None
    days: Days | None = None

    @classmethod
    def of(
        cls,
        stores: QuerySet[Store] | Sequence[int],
        when: Span,
        crediting: Crediting | str = Crediting.DELIVERED,
        as_of: datetime.date | None = None,
    ) -> Frame:
        ids = stores.values_list("pk", flat=True) if isinstance(stores, QuerySet) else stores
        store_ids = tuple(sorted(int(pk) for pk in ids))
        if isinstance(when, Days):
            return cls(store_ids, when.period, Crediting(crediting), as_of, when)
        return cls(store_ids, when, Crediting(crediting), as_of)

    @property
    def start(self) -> datetime.datetime:
        return midnight(self.first_day)

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the period (exclusive bound)."""
        return midnight(self.last_day + datetime.timedelta(days=1))

    @property
    def first_day(self) -> datetime.date:
        return self.days.first if self.days else self.period.first_day

    @property
    def last_day(self) -> datetime.date:
        return self.days.last if self.days else self.period.last_day

    @property
    def today(self) -> datetime.date:
        return self.as_of or timezone.localdate()

    def during(self, field: str) -> Q:
        """`field` (a timestamp) falls in the period."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def on_days(self, field: str) -> Q:
        """`field` (a date) falls in the period."""
        return Q(**{f"{field}__gte": self.first_day, f"{field}__lte": self.last_day})

    @cached_property
    def read(self) -> dict[str, list[dict]]:
        """Rows read for this frame that several figures are made of, by name, kept while the frame lives so that
        they are read once: the deals' credit rows give the deal figures and the engine's deals
        (``sales.deal_rows``)."""
        return {}


SHANGHAI_UTC_OFFSET = "+8 hours"  # all year since 1992, as SQLite's date() takes it
SHANGHAI_OFFSET_FIXED_SINCE = "1992-01-01"  # compared with a timestamp as SQLite stores it: UTC text


class LocalDay(TruncDate):
    """A timestamp's Shanghai calendar day (TruncDate in Shanghai time).

    On SQLite, Django converts each timestamp with a Python function that SQLite calls once a row, which was a
    third of a month-end run there. Shanghai has been UTC+8 all year since its last summer time ended in 1991,
    so for later timestamps SQLite's own date() with that offset gives the same day; earlier ones still go
    through Django's function."""

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
                  **extra_context: object) -> tuple[str, list]:
        timestamp, params = compiler.compile(self.lhs)
        converted, converted_params = super().as_sql(compiler, connection, **extra_context)
        # the seconds' fraction cut off: SQLite rounds it to the millisecond, and 23:59:59.9999 is not the next day
        return (f"CASE WHEN {timestamp} >= %s THEN date(substr({timestamp}, 1, 19), '{SHANGHAI_UTC_OFFSET}') "
                f"ELSE {converted} END", [*params, SHANGHAI_OFFSET_FIXED_SINCE, *params, *converted_params])


def local_day(field: str | Expression) -> TruncDate:
    """The Shanghai calendar day of a timestamp field or expression."""
    return LocalDay(F(field) if isinstance(field, str) else field, tzinfo=SHANGHAI)


def team_of_day(staff: str, day: Expression | datetime.date) -> Subquery:
    """The id of the team the person at `staff` (a lookup on the outer query) belonged to on `day`.

    `day` is a date, or an expression over the outer query (wrap its fields in OuterRef). With two
    memberships in force, the one that started last wins (ties: the lower team id).
    """
    memberships = (
        TeamMembership.objects.filter(staff_id=OuterRef(staff), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from", "team_id")
        .values("team_id")[:1]
    )
    return Subquery(memberships)


def team_of_day_join(staff: str, day: str) -> str:
    """SQL joining, as `team_membership`, the membership that gives the person in column `staff` their team on the
    day in column `day` (columns of the rows joined, e.g. ``a.staff``), by team_of_day()'s rule: the membership in
    force then that started last (ties: the lower team id, then the lower id); no row when none is in force.

    A join where team_of_day() is a subquery per row: on rows summed per person and day, the database looks the
    team up once per person-day instead of once per record (a month of a group's follow-ups: 5 million records,
    700,000 person-days)."""
    table = TeamMembership._meta.db_table

    def in_force(alias: str) -> str:
        return f"{alias}.valid_from <= {day} AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= {day})"

    return (
        f"LEFT JOIN {table} team_membership ON team_membership.staff_id = {staff} AND {in_force('team_membership')} "
        f"AND NOT EXISTS (SELECT 1 FROM {table} later WHERE later.staff_id = team_membership.staff_id "
        f"AND {in_force('later')} AND (later.valid_from > team_membership.valid_from "
        "OR (later.valid_from = team_membership.valid_from AND (later.team_id < team_membership.team_id "
        "OR (later.team_id = team_membership.team_id AND later.id < team_membership.id)))))"
    )
