"""The team board's figures: each consultant's month, one grouped query per figure."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate

from dealerkpi.core.money import HUNDRED, fen
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.crm.models import FollowUp, Lead, ShowroomVisit, TestDrive
from dealerkpi.crm.services import day_bounds, month_bounds, open_leads
from dealerkpi.org.models import Role, Staff
from dealerkpi.sales.models import Delivery, Order
from dealerkpi.targets.models import Target

BOARD_FIGURES = ("leads", "visits", "first_visits", "test_drives", "orders", "deliveries")
TARGET_METRICS = {"new_leads": "leads", "first_visits": "first_visits", "units_delivered": "deliveries"}



@dataclass
class BoardRow:
    staff_id: int
    name: str
    figures: dict[str, int] = field(default_factory=dict)
    targets: dict[str, Decimal] = field(default_factory=dict)
    due: int = 0
    on_time: int = 0

    @property
    def compliance(self) -> Decimal | None:
        """Follow-ups done on time as a percentage of those due this month so far."""
        return fen(HUNDRED * self.on_time / self.due) if self.due else None

    @property
    def cells(self) -> list[tuple[int, Decimal | None]]:
        """The funnel figures in board order, each with the consultant's target for it (None when not set)."""
        target_of = {figure: metric for metric, figure in TARGET_METRICS.items()}
        return [
            (self.figures.get(figure, 0), self.targets.get(target_of.get(figure, "")))
            for figure in BOARD_FIGURES
        ]


def _grouped(queryset: QuerySet, by: str) -> dict[int, int]:
    return dict(queryset.values_list(by).annotate(n=Count("pk")).values_list(by, "n"))


def _board_figures(viewer: Viewer, today: datetime.date) -> dict[str, dict[int, int]]:
    """Each funnel figure of the month, counted per consultant: one grouped query per figure."""
    first, after = month_bounds(today)
    start, end = day_bounds(first)[0], day_bounds(after)[0]
    figures = {
        "leads": (Lead.objects.filter(created_at__gte=start, created_at__lt=end), "owner_id"),
        "visits": (ShowroomVisit.objects.filter(arrived_at__gte=start, arrived_at__lt=end), "consultant_id"),
        "first_visits": (
            ShowroomVisit.objects.filter(arrived_at__gte=start, arrived_at__lt=end, is_first_visit=True),
            "consultant_id",
        ),
        "test_drives": (
            TestDrive.objects.filter(starts_at__gte=start, starts_at__lt=end).exclude(
                status=TestDrive.Status.CANCELLED), "consultant_id"),
        "orders": (Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end), "consultant_id"),
        "deliveries": (Delivery.objects.filter(delivered_at__gte=start, delivered_at__lt=end),
                       "order__consultant_id"),
        "overdue": (Lead.objects.filter(status=Lead.Status.OPEN, next_follow_up_on__lt=today), "owner_id"),
    }
    return {name: _grouped(visible_to(records, viewer), by) for name, (records, by) in figures.items()}


def _compliance(viewer: Viewer, today: datetime.date) -> tuple[dict[int, int], dict[int, int]]:
    """Per consultant: follow-ups due this month up to today, and those done by their due date.

    Due = contacts answering a due date this month, plus open cards whose due date this month has passed
    without a contact."""
    first, _after = month_bounds(today)
    answered = visible_to(FollowUp.objects.filter(due_on__gte=first, due_on__lte=today), viewer)
    counted = answered.annotate(day=TruncDate("at")).values("staff_id").annotate(
        due=Count("pk"), on_time=Count("pk", filter=Q(day__lte=F("due_on")))
    )
    due: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = {}
    for row in counted.values_list("staff_id", "due", "on_time"):
        due[row[0]] += row[1]
        on_time[row[0]] = row[2]
    missed = _grouped(open_leads(viewer).filter(next_follow_up_on__gte=first, next_follow_up_on__lt=today),
                      "owner_id")
    for staff_id, n in missed.items():
        due[staff_id] += n
    return dict(due), on_time


def _targets(viewer: Viewer, today: datetime.date) -> dict[int, dict[str, Decimal]]:
    rows = visible_to(
        Target.objects.filter(month=today.replace(day=1), staff__isnull=False, metric__in=list(TARGET_METRICS)),
        viewer,
    ).values_list("staff_id", "metric", "value")
    targets: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for staff_id, metric, value in rows:
        targets[staff_id][metric] = value
    return targets


def team_board(viewer: Viewer, today: datetime.date) -> list[BoardRow]:
    """Each visible consultant's month: funnel, targets, follow-up compliance and overdue cards."""
    figures = _board_figures(viewer, today)
    due, on_time = _compliance(viewer, today)
    targets = _targets(viewer, today)
    first, _after = month_bounds(today)
    people = visible_to(
        Staff.objects.filter(role=Role.CONSULTANT, store_id=viewer.store_id, hire_date__lte=today)
        .exclude(leave_date__lt=first), viewer,
    ).order_by("name").values_list("pk", "name")
    return [
        BoardRow(pk, name, {figure: counts.get(pk, 0) for figure, counts in figures.items()}, targets.get(pk, {}),
                 due.get(pk, 0), on_time.get(pk, 0))
        for pk, name in people
    ]
