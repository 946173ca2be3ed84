"""Tasks handed down by the GM or the manufacturer, done on time: per owner, every task due in the period and not
cancelled, counted once it is done or its day has passed (an open task not yet due is not yet counted, as a C-card
call); on time when done on or before its due day (Shanghai)."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from dealerkpi.tasks.models import Task

from .base import Table, grouped
from .period import Frame, local_day

ON_TIME = Q(status=Task.Status.DONE, closed_day__lte=F("due_on"))


def tasks_due(frame: Frame) -> QuerySet[Task]:
    return (
        Task.objects.filter(store_id__in=frame.store_ids)
        .filter(frame.on_days("due_on"))
        .filter(Q(status=Task.Status.DONE) | Task.overdue_on(frame.today))
        .annotate(closed_day=local_day("closed_at"))
    )


def tasks_table(frame: Frame) -> Table:
    """Tasks due and done on time, per owner and team of the due day. One query."""
    aggregates = {"tasks_due": Count("pk"), "tasks_done_on_time": Count("pk", filter=ON_TIME)}
    return Table(rows=grouped(tasks_due(frame), "owner_id", F("due_on"), aggregates))
