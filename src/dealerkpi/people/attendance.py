"""Attendance (考勤): a day judged from the clock by the store's rules, and a day recorded or corrected.

    rules_of(store_ids)             -> each store's rules (DEFAULT_RULES for a store that has set none)
    judged(rules, clock_in, out)    -> Judged(status, minutes late, minutes left early)
    record_day(store, staff, ...)   -> the day written, once per person and day, under a row lock (audited)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from dealerkpi.org.models import Staff, Store
from dealerkpi.people.models import DEFAULT_RULES, AttendanceRecord, AttendanceRules

Status = AttendanceRecord.Status


@dataclass(frozen=True)
class Judged:
    status: str
    minutes_late: int = 0
    minutes_early: int = 0


def rules_of(store_ids: Iterable[int]) -> dict[int, AttendanceRules]:
    """The stores' rules in one query; a store that has set none gets the defaults (say so where it shows)."""
    wanted = set(store_ids)
    found = {rules.store_id: rules for rules in AttendanceRules.objects.filter(store_id__in=wanted)}
    return {store_id: found.get(store_id, DEFAULT_RULES) for store_id in wanted}


def minutes_between(earlier: datetime.time, later: datetime.time) -> int:
    """Whole minutes from `earlier` to `later` on the same day; 0 when `later` is not after it."""
    start = earlier.hour * 60 + earlier.minute
    end = later.hour * 60 + later.minute
    return max(0, end - start)


def judged(rules: AttendanceRules, clock_in: datetime.time | None, clock_out: datetime.time | None) -> Judged:
    """A working day by the clock: no clock-in is a day absent; an arrival within the grace is on time; later, it is
    late by the minutes since the start (not since the grace ended), or absent from ``absent_after_minutes``.
    Leaving before the end counts the minutes left early."""
    if clock_in is None:
        return Judged(Status.ABSENT)
    late = minutes_between(rules.work_starts, clock_in)
    if late >= rules.absent_after_minutes:
        return Judged(Status.ABSENT)
    early = minutes_between(clock_out, rules.work_ends) if clock_out is not None else 0
    if late > rules.grace_minutes:
        return Judged(Status.LATE, late, early)
    return Judged(Status.PRESENT, 0, early)


@dataclass(frozen=True)
class Day:
    """What a supervisor or manager enters for a day: the clock (status None: judged from it) or a status."""

    status: str | None = None
    clock_in: datetime.time | None = None
    clock_out: datetime.time | None = None
    leave_kind: str = ""
    note: str = ""


def record_day(store: Store, staff: Staff, day: datetime.date, entered: Day) -> AttendanceRecord:
    """Write the person's day: a new record, or the one there corrected under a row lock. One per person and day:
    two first saves at once make one (the second finds the first and corrects it). Audited: a correction keeps what
    the day said before."""
    verdict = (judged(rules_of([store.pk])[store.pk], entered.clock_in, entered.clock_out)
               if entered.status is None else Judged(entered.status))
    worked = entered.status is None
    fields = {
        "store": store, "status": verdict.status,
        "minutes_late": verdict.minutes_late, "minutes_early": verdict.minutes_early,
        "clock_in": entered.clock_in if worked else None, "clock_out": entered.clock_out if worked else None,
        "leave_kind": entered.leave_kind if verdict.status == Status.LEAVE else "", "note": entered.note,
    }
    with transaction.atomic():
        record, made = AttendanceRecord.objects.select_for_update().get_or_create(staff=staff, day=day,
                                                                                  defaults=fields)
        if not made:
            for name, value in fields.items():
                setattr(record, name, value)
            record.save()
    return record
