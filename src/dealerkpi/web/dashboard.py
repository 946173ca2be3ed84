"""The month at a glance for the home page: the sales funnel per consultant (the metrics library) or per store (the
monthly analysis's tally of the same records), and a consultant's day (as the day stands), a few queries whatever
the number of people or stores."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from dealerkpi import metrics
from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.metrics.now import Standing
from dealerkpi.org.models import Role, Staff, Store
from dealerkpi.org.scope import visible_store_ids
from dealerkpi.reports.analysis import UNITS_FUNNEL, tally

FUNNEL = ("new_leads", "showroom_visits", "test_drives", "orders", "units_delivered")
TALLIED = {"new_leads": "leads", "showroom_visits": "parties", "test_drives": "test_drives", "orders": "orders",
           "units_delivered": "units"}  # each metric's count in a store's tally (reports.analysis)
STANDING = ("overdue_cards",)
MY_DAY = ("cards_due", "overdue_cards", "open_cards", "follow_ups_logged", "deliveries_scheduled")


COLUMNS = (*FUNNEL, *STANDING)
SHARED = ("stock_on_hand", *STANDING)  # as the day stands, read once for the whole home page


def standing(viewer: Viewer, today: datetime.date) -> Standing:
    """The home page's figures as they stand today, in one grouped query each, shared by its parts (a consultant's
    day, the funnel, the steering table, stock on hand)."""
    names = (*MY_DAY, *SHARED) if viewer.staff_id and viewer.reach is Reach.OWN else SHARED
    return metrics.standing(names, visible_store_ids(viewer), today)


@dataclass
class FunnelRow:
    key: int
    label: str
    figures: dict[str, Decimal] = field(default_factory=dict)

    @property
    def cells(self) -> list[Decimal]:
        return [self.figures[name] for name in COLUMNS]


@dataclass
class Funnel:
    rows: list[FunnelRow] = field(default_factory=list)

    @property
    def total(self) -> FunnelRow:
        return FunnelRow(0, "", {name: sum((row.figures[name] for row in self.rows), Decimal(0)) for name in COLUMNS})


def _by_store(viewer: Viewer, today: datetime.date, now: Standing) -> Funnel:
    """Each store's month so far, counted by store as the monthly analysis counts it (its tally: the same records
    and definitions as the metrics summed over everyone, without grouping by person)."""
    stores = visible_to(Store.objects.all(), viewer).order_by("name").values_list("pk", "name")
    month = tally([pk for pk, _ in stores], metrics.Days.month_to_date(today), today, UNITS_FUNNEL)  # type: ignore[arg-type]
    return Funnel([
        FunnelRow(pk, name, {**{f: month[pk][TALLIED[f]] for f in FUNNEL},
                             **{f: Decimal(now.of_store(pk, f)) for f in STANDING}})
        for pk, name in stores
    ])


def _by_consultant(viewer: Viewer, today: datetime.date, now: Standing) -> Funnel:
    ids = visible_store_ids(viewer)
    month = metrics.compute(FUNNEL, ids, metrics.Days.month_to_date(today), as_of=today)
    consultants = visible_to(
        Staff.objects.filter(role=Role.CONSULTANT, hire_date__lte=today).exclude(leave_date__lt=today.replace(day=1)),
        viewer,
    ).order_by("name").values_list("pk", "name")
    return Funnel([
        FunnelRow(pk, name, {**{f: month.total(f, [pk]) for f in FUNNEL},
                             **{f: Decimal(now.of(pk, f)) for f in STANDING}})
        for pk, name in consultants
    ])


def funnel(viewer: Viewer, today: datetime.date, by_store: bool, now: Standing) -> Funnel:
    """This month's funnel so far, one row per consultant (or per store for head office); `now`: standing()."""
    return _by_store(viewer, today, now) if by_store else _by_consultant(viewer, today, now)


def my_day(viewer: Viewer, now: Standing) -> dict[str, int]:
    """A consultant's day (`now`: standing()): their A-cards due today, overdue and open, contacts logged today,
    deliveries booked."""
    return {name: now.of(viewer.staff_id, name) for name in MY_DAY} if viewer.staff_id else dict.fromkeys(MY_DAY, 0)
