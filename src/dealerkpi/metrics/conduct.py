"""How people work, beside what they sell (docs/conduct.md): the average process-check score of each checklist
(reception, delivery) and the checks made, and the points and amount of the faults that count (approved, and not
overturned on appeal), per person and team of the day checked or of the fault."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet, Sum

from dealerkpi.conduct.models import ChecklistKind, Fault, ProcessCheck

from .base import Table, grouped, two_places
from .period import Frame

KINDS = tuple(ChecklistKind.values)


def process_checks(frame: Frame, kind: str = "") -> QuerySet[ProcessCheck]:
    """Checks of the period (of one checklist when `kind` is given)."""
    checks = ProcessCheck.objects.filter(store_id__in=frame.store_ids).filter(frame.on_days("day"))
    return checks.filter(kind=kind) if kind else checks


def process_table(frame: Frame) -> Table:
    """Per checklist, the sum of the scores and the number of checks (the average is their ratio), and all checks.
    One query."""
    aggregates = {"process_checks": Count("pk")}
    for kind in KINDS:
        aggregates[f"{kind}_score_total"] = Sum("score", filter=Q(kind=kind))
        aggregates[f"{kind}_checks"] = Count("pk", filter=Q(kind=kind))
    convert = {f"{kind}_score_total": two_places for kind in KINDS}
    return Table(rows=grouped(process_checks(frame), "staff_id", F("day"), aggregates, convert))


def counted_faults(frame: Frame) -> QuerySet[Fault]:
    """Faults of the period that count: approved, and not overturned on appeal (an appeal pending still counts)."""
    return (Fault.objects.filter(store_id__in=frame.store_ids, status__in=Fault.COUNTED)
            .filter(frame.on_days("day")).defer("evidence"))


def faults_table(frame: Frame) -> Table:
    """Fault points and amount per person and team of the fault's day. One query."""
    aggregates = {"fault_points": Sum("points"), "fault_amount": Sum("amount")}
    return Table(rows=grouped(counted_faults(frame), "staff_id", F("day"), aggregates, {"fault_amount": two_places}))
