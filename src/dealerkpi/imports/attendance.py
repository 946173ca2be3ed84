"""Attendance from the time clock's export (考勤机导出): one row a punch, by employee number and time. A person's
punches of a day make that day's record: the first is the clock-in, the last (when there are two or more) the
clock-out, judged by the store's rules as the desk judges them (``people.attendance``). A day already recorded, at
the desk or by an earlier import, is left as it is, so the same file imported again changes nothing. Days with no
punch are not made absent by the import: absence, leave and rest days are recorded at the desk."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dealerkpi.people.attendance import judged, rules_of
from dealerkpi.people.models import AttendanceRecord

from .columns import ATTENDANCE_COLUMNS
from .engine import BATCH, chunks, typed_rows
from .reading import Table
from .records import People, RecordImport

DayKey = tuple[int, int, datetime.date]  # store, staff member, day


class AttendanceImport(RecordImport):
    columns = ATTENDANCE_COLUMNS

    def run(self, table: Table) -> None:
        good = [(number, values) for number, values, bad in typed_rows(table, self.columns, self.context) if not bad]
        self._stores({values["store"] for _number, values in good})
        days = self._punches(good, People({values["employee_no"] for _number, values in good}))
        there = self.existing({(staff_id, day) for _store_id, staff_id, day in days})
        rules = rules_of({store_id for store_id, _staff_id, _day in days})
        for (store_id, staff_id, day), punches in sorted(days.items()):
            if (staff_id, day) in there:
                self.context.report.unchanged += 1
                continue
            clock_in, clock_out = min(punches), max(punches) if len(punches) > 1 else None
            verdict = judged(rules[store_id], clock_in, clock_out)
            self.make(AttendanceRecord(
                store_id=store_id, staff_id=staff_id, day=day, status=verdict.status, clock_in=clock_in,
                clock_out=clock_out, minutes_late=verdict.minutes_late, minutes_early=verdict.minutes_early,
                note=_("From the time clock"),
            ))
            self.context.report.written += 1
            if self.pending >= BATCH:
                self.save()
        self.save()

    def _punches(self, good: list[tuple[int, dict[str, Any]]], people: People) -> dict[DayKey, list[datetime.time]]:
        """Each person's punches by store and day (Shanghai time), to the minute; a row of a store or person the
        importer may not reach is reported."""
        days: dict[DayKey, list[datetime.time]] = defaultdict(list)
        for number, values in good:
            store_id = self.store(number, values)
            staff_id = people.of_store(self, number, "employee_no", values, store_id) if store_id else None
            if staff_id is None:
                continue
            moment = timezone.localtime(values["punched_at"])
            days[(store_id, staff_id, moment.date())].append(moment.time().replace(second=0, microsecond=0))
        return days

    def existing(self, keys: set[Any]) -> set[Any]:
        found: set[Any] = set()
        for chunk in chunks({staff_id for staff_id, _day in keys}):
            found.update(AttendanceRecord.objects.filter(staff_id__in=chunk).filter(
                day__in={day for _staff_id, day in keys}).values_list("staff_id", "day"))
        return found & keys
