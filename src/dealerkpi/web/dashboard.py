"""The month at a glance for the home page: the sales funnel per consultant or per store, set-based
(one grouped query per figure, whatever the number of people)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.crm.models import FollowUp, Lead, ShowroomVisit, TestDrive
from dealerkpi.org.models import Role, Staff, Store
from dealerkpi.sales.models import Delivery, Order
from dealerkpi.stock.models import Vehicle


@dataclass(frozen=True)
class Month:
    first: datetime.datetime
    after: datetime.datetime

    @classmethod
    def containing(cls, day: datetime.date) -> Month:
        tz = timezone.get_current_timezone()
        first = datetime.datetime(day.year, day.month, 1, tzinfo=tz)
        following = datetime.datetime(day.year + day.month // 12, day.month % 12 + 1, 1, tzinfo=tz)
        return cls(first, following)


@dataclass
class FunnelRow:
    key: int
    label: str
    leads: int = 0
    visits: int = 0
    test_drives: int = 0
    orders: int = 0
    deliveries: int = 0
    overdue_cards: int = 0


@dataclass
class Funnel:
    rows: list[FunnelRow] = field(default_factory=list)

    @property
    def total(self) -> FunnelRow:
        total = FunnelRow(0, "")
        for row in self.rows:
            for name in ("leads", "visits", "test_drives", "orders", "deliveries", "overdue_cards"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


def _counts(queryset: QuerySet, by: str) -> dict[int, int]:
    return dict(queryset.values_list(by).annotate(n=Count("pk")).values_list(by, "n"))


def _month_figures(month: Month, today: datetime.date) -> dict[str, tuple[QuerySet, str]]:
    """Each funnel figure: the records it counts and the field naming the consultant credited."""
    return {
        "leads": (Lead.objects.filter(created_at__gte=month.first, created_at__lt=month.after), "owner_id"),
        "visits": (
            ShowroomVisit.objects.filter(arrived_at__gte=month.first, arrived_at__lt=month.after), "consultant_id"
        ),
        "test_drives": (
            TestDrive.objects.filter(starts_at__gte=month.first, starts_at__lt=month.after), "consultant_id"
        ),
        "orders": (Order.objects.filter(ordered_at__gte=month.first, ordered_at__lt=month.after), "consultant_id"),
        "deliveries": (
            Delivery.objects.filter(delivered_at__gte=month.first, delivered_at__lt=month.after),
            "order__consultant_id",
        ),
        "overdue_cards": (
            Lead.objects.filter(status=Lead.Status.OPEN, next_follow_up_on__lt=today), "owner_id"
        ),
    }


def funnel(viewer: Viewer, today: datetime.date, by_store: bool) -> Funnel:
    """This month's funnel, one row per consultant (or per store for head office)."""
    month = Month.containing(today)
    figures = {
        name: _counts(visible_to(records, viewer), "store_id" if by_store else person)
        for name, (records, person) in _month_figures(month, today).items()
    }
    if by_store:
        rows_for = visible_to(Store.objects.all(), viewer)
    else:
        rows_for = visible_to(
            Staff.objects.filter(role=Role.CONSULTANT, hire_date__lte=today).exclude(leave_date__lt=month.first),
            viewer,
        )
    rows = []
    for pk, name in rows_for.values_list("pk", "name"):
        row = FunnelRow(pk, name)
        for figure, counts in figures.items():
            setattr(row, figure, counts.get(pk, 0))
        rows.append(row)
    return Funnel(rows)


@dataclass(frozen=True)
class MyDay:
    due_today: int
    overdue: int
    open_leads: int
    follow_ups_done_today: int
    deliveries_scheduled: int


def my_day(viewer: Viewer, today: datetime.date) -> MyDay:
    open_leads = visible_to(Lead.objects.filter(status=Lead.Status.OPEN), viewer)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=tz)
    return MyDay(
        due_today=open_leads.filter(next_follow_up_on=today).count(),
        overdue=open_leads.filter(next_follow_up_on__lt=today).count(),
        open_leads=open_leads.count(),
        follow_ups_done_today=visible_to(FollowUp.objects.filter(at__gte=start), viewer).count(),
        deliveries_scheduled=visible_to(
            Delivery.objects.filter(delivered_at__isnull=True, scheduled_for__isnull=False), viewer
        ).count(),
    )


def stock_on_hand(viewer: Viewer) -> int:
    return visible_to(Vehicle.objects.filter(status__in=[Vehicle.Status.IN_STOCK, Vehicle.Status.ALLOCATED]),
                      viewer).count()
