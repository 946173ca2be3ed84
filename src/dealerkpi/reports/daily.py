"""The daily report's figures (日报), for one store and the morning of `day`: the day before, the month to date
against target with its run rate, and the day's schedule.

The day's and the month's counts are the monthly analysis's (`analysis.tally`) over a run of days instead of a
month: the same definitions as every other page (docs/metrics.md, docs/reports.md). Two counts the analysis does
not have are defined here: orders cancelled and sales unwound on the day (`Reversal.at`), and complaints resolved
on the day (`Complaint.resolved_at`). The day's schedule reads the consultant's day (`sales/today.py`): deliveries
and test drives booked for the day, visits and test drives the customer agreed to come for, A-cards due.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dealerkpi import metrics
from dealerkpi.core.money import ZERO
from dealerkpi.crm.models import Complaint
from dealerkpi.metrics.base import ratio
from dealerkpi.metrics.period import Days, Frame, projected
from dealerkpi.org.models import Store
from dealerkpi.sales.models import Reversal
from dealerkpi.sales.today import booked_on

from .analysis import Tally, tally, targets_of
from .figures import FIGURES, Figure

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class DayCount:
    """One figure of the report: its label, value and the browse page (slug) that lists its kind of record."""

    key: str
    label: str | Promise
    value: Decimal
    slug: str = ""
    money: bool = False


@dataclass(frozen=True)
class MonthLine:
    """A figure of the month to date beside its target and where the run rate takes it by the month's end."""

    figure: Figure
    value: Decimal
    target: Decimal | None
    projected: Decimal

    @property
    def completion(self) -> Decimal | None:
        return ratio(self.value, self.target)

    @property
    def projected_completion(self) -> Decimal | None:
        return ratio(self.projected, self.target)

    @property
    def money(self) -> bool:
        return self.figure.unit == "yuan"


@dataclass(frozen=True)
class DailyFigures:
    store: Store
    day: datetime.date  # the morning the report is for
    yesterday: list[DayCount]
    month: list[MonthLine]
    schedule: list[DayCount]

    @property
    def figures_day(self) -> datetime.date:
        return self.day - ONE_DAY

    @property
    def month_days(self) -> Days:
        return Days.month_to_date(self.figures_day)


def reversals(store_ids: list[int], day: datetime.date) -> dict[str, int]:
    """Orders cancelled and sales unwound on `day`, by kind (one query)."""
    frame = Frame.of(store_ids, Days(day, day))
    rows = Reversal.objects.filter(store_id__in=store_ids).filter(frame.during("at")).order_by().values("kind")
    found = {row["kind"]: row["n"] for row in rows.annotate(n=Count("pk"))}
    return {kind: found.get(kind, 0) for kind in Reversal.Kind.values}


def complaints_resolved(store_ids: list[int], day: datetime.date) -> int:
    """Complaints resolved on `day`, whenever received."""
    frame = Frame.of(store_ids, Days(day, day))
    return Complaint.objects.filter(store_id__in=store_ids, status=Complaint.Status.RESOLVED).filter(
        frame.during("resolved_at")).count()


def _day_counts(now: Tally, cancelled: dict[str, int], resolved: int) -> list[DayCount]:
    done = now["follow_ups_due"] - now["follow_ups_missed"]
    return [
        DayCount("first_visits", _("First visits"), now["first_parties"], "visits"),
        DayCount("repeat_visits", _("Repeat visits"), now["parties"] - now["first_parties"], "visits"),
        DayCount("new_leads", _("New A-cards"), now["leads"], "leads"),
        DayCount("test_drives", _("Test drives done"), now["test_drives"], "test-drives"),
        DayCount("orders", _("Orders placed"), now["orders"], "orders"),
        DayCount("deliveries", _("Deliveries"), now["units"], "deliveries"),
        DayCount("cancellations", _("Orders cancelled"), Decimal(cancelled[Reversal.Kind.CANCELLATION]), "orders"),
        DayCount("unwinds", _("Sales unwound"), Decimal(cancelled[Reversal.Kind.UNWIND]), "orders"),
        DayCount("front_gross", _("Front-end gross profit"), now["front_gross"], "deliveries", money=True),
        DayCount("back_gross", _("Derivative gross profit"), now["back_gross"], "deliveries", money=True),
        DayCount("follow_ups_due", _("A-card follow-ups due"), now["follow_ups_due"], "leads"),
        DayCount("follow_ups_done", _("Of which done"), done, "follow-ups"),
        DayCount("complaints", _("Complaints received"), now["complaints"], "complaints"),
        DayCount("complaints_resolved", _("Complaints resolved"), Decimal(resolved), "complaints"),
    ]


MONTH_FIGURES = ("units", "orders", "sales_amount", "front_gross", "back_gross", "leads", "parties", "test_drives")


def _month_lines(store: Store, days: Days, today: datetime.date) -> list[MonthLine]:
    now = tally([store.pk], days, today)[store.pk]  # type: ignore[arg-type]  # a tally over days, not a month
    targets = targets_of([store.pk], days.period)[store.pk]
    lines = []
    for key in MONTH_FIGURES:
        figure = FIGURES[key]
        value = figure.of(now) or ZERO
        lines.append(MonthLine(figure, value, targets.of(figure.metric), projected(value, days)))
    return lines


def schedule(store_ids: list[int], day: datetime.date) -> list[DayCount]:
    """What is booked for `day`: the consultant's day (sales/today.py) counted for the store."""
    booked = {kind: records.filter(store_id__in=store_ids) for kind, records in booked_on(day).items()}
    deliveries, drives, appointments = booked["deliveries"], booked["test_drives"], booked["appointments"]
    due = metrics.standing(["cards_due"], store_ids, day).total("cards_due")
    return [
        DayCount("deliveries", _("Deliveries booked"), Decimal(deliveries.count()), "deliveries"),
        DayCount("test_drives", _("Test drives booked"), Decimal(drives.count()), "test-drives"),
        DayCount("appointments", _("Appointments"), Decimal(appointments.count()), "follow-ups"),
        DayCount("cards_due", _("A-card follow-ups due"), Decimal(due), "leads"),
    ]


def daily_figures(store: Store, day: datetime.date, today: datetime.date) -> DailyFigures:
    """The report of the morning of `day`: `day`'s eve, its month to date, and `day`'s schedule."""
    figures_day = day - ONE_DAY
    ids = [store.pk]
    now = tally(ids, Days(figures_day, figures_day), today)[store.pk]  # type: ignore[arg-type]
    yesterday = _day_counts(now, reversals(ids, figures_day), complaints_resolved(ids, figures_day))
    month = _month_lines(store, Days.month_to_date(figures_day), today)
    return DailyFigures(store, day, yesterday, month, schedule(ids, day))

