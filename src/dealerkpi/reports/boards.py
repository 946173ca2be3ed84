"""The team board's figures: each consultant's month so far, from the metrics library (the same definitions the
statements pay on), with their targets and the A-cards overdue today."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dealerkpi import metrics
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.models import Role, Staff
from dealerkpi.targets.models import Target

BOARD_FIGURES = ("new_leads", "showroom_visits", "first_visits", "test_drives", "orders", "units_delivered")
COMPLIANCE = ("follow_up_compliance", "follow_ups_due", "follow_ups_on_time")
TARGETED = ("new_leads", "first_visits", "units_delivered")  # the board figures that are targets' metrics too


@dataclass
class BoardRow:
    staff_id: int
    name: str
    figures: dict[str, Decimal] = field(default_factory=dict)
    targets: dict[str, Decimal] = field(default_factory=dict)
    overdue: int = 0

    @property
    def compliance(self) -> Decimal | None:
        """follow_up_compliance (percent), None when nothing was due."""
        return self.figures.get("follow_up_compliance")

    @property
    def cells(self) -> list[tuple[Decimal, Decimal | None]]:
        """The funnel figures in board order, each with the consultant's target for it (None when not set)."""
        return [(self.figures.get(name, Decimal(0)), self.targets.get(name)) for name in BOARD_FIGURES]


def _targets(viewer: Viewer, today: datetime.date) -> dict[int, dict[str, Decimal]]:
    rows = visible_to(
        Target.objects.filter(month=today.replace(day=1), staff__isnull=False, metric__in=TARGETED), viewer,
    ).values_list("staff_id", "metric", "value")
    targets: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for staff_id, metric, value in rows:
        targets[staff_id][metric] = value
    return targets


def board_consultants(viewer: Viewer, today: datetime.date) -> list[tuple[int, str]]:
    """The consultants of the viewer's store employed this month that the viewer sees, by name."""
    people = Staff.objects.filter(role=Role.CONSULTANT, store_id=viewer.store_id, hire_date__lte=today).exclude(
        leave_date__lt=today.replace(day=1))
    return list(visible_to(people, viewer).order_by("name").values_list("pk", "name"))


def team_board(viewer: Viewer, today: datetime.date) -> list[BoardRow]:
    """Each visible consultant's month to date: funnel, targets, follow-up compliance and overdue cards."""
    stores = [viewer.store_id] if viewer.store_id else []
    month = metrics.compute((*BOARD_FIGURES, *COMPLIANCE), stores, metrics.Days.month_to_date(today), as_of=today)
    overdue = metrics.standing(["overdue_cards"], stores, today)
    targets = _targets(viewer, today)
    return [
        BoardRow(pk, name, month.of(pk), targets.get(pk, {}), overdue.of(pk, "overdue_cards"))
        for pk, name in board_consultants(viewer, today)
    ]
