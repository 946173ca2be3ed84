"""The frame every metric is computed in: the stores, the calendar month (Asia/Shanghai), the crediting policy.

Also the two expressions most metrics share: a timestamp's local day, and the team a person belonged to on
a day (TeamMembership in force then), as a correlated subquery so grouping by it stays one query.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db.models import Expression, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from dealerkpi.org.models import Store, TeamMembership
from dealerkpi.plans.engine import Period

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Crediting(StrEnum):
    """When a deal counts: on delivery, or once fully paid (and delivered)."""

    DELIVERED = "delivered"
    PAID = "paid"


def month_start(year: int, month: int) -> datetime.datetime:
    """Midnight of the first day of the month in Shanghai, as an aware datetime."""
    return datetime.datetime(year, month, 1, tzinfo=SHANGHAI)


def shift(period: Period, months: int) -> Period:
    """The period `months` later (negative: earlier)."""
    index = period.year * 12 + period.month - 1 + months
    return Period(index // 12, index % 12 + 1)


@dataclass(frozen=True)
class Frame:
    """Stores x month x crediting policy; `as_of` is the day up to which due dates can have been missed."""

    store_ids: tuple[int, ...]
    period: Period
    crediting: Crediting = Crediting.DELIVERED
    as_of: datetime.date | None = None

    @classmethod
    def of(
        cls,
        stores: QuerySet[Store] | Sequence[int],
        period: Period,
        crediting: Crediting | str = Crediting.DELIVERED,
        as_of: datetime.date | None = None,
    ) -> Frame:
        ids = stores.values_list("pk", flat=True) if isinstance(stores, QuerySet) else stores
        return cls(tuple(sorted(int(pk) for pk in ids)), period, Crediting(crediting), as_of)

    @property
    def start(self) -> datetime.datetime:
        return month_start(self.period.year, self.period.month)

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the period (exclusive bound)."""
        following = shift(self.period, 1)
        return month_start(following.year, following.month)

    @property
    def first_day(self) -> datetime.date:
        return self.period.first_day

    @property
    def last_day(self) -> datetime.date:
        return self.period.last_day

    @property
    def today(self) -> datetime.date:
        return self.as_of or timezone.localdate()

    def during(self, field: str) -> Q:
        """`field` (a timestamp) falls in the period."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def on_days(self, field: str) -> Q:
        """`field` (a date) falls in the period."""
        return Q(**{f"{field}__gte": self.first_day, f"{field}__lte": self.last_day})


def local_day(field: str | Expression) -> TruncDate:
    """The Shanghai calendar day of a timestamp field or expression."""
    return TruncDate(F(field) if isinstance(field, str) else field, tzinfo=SHANGHAI)


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
