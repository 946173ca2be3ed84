"""The monthly attendance sheet (考勤表) of a store: a person × day grid of what each day was, and each person's
month from the metrics library (days late and their minutes, days absent, days on leave, the attendance rate:
the figures a plan deducts on). Supervisors see their team, the store's management and HR the store, head office
its stores (``?store=``); one month (``?month=YYYY-MM``). As .xlsx too."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dealerkpi import metrics
from dealerkpi.core.audit import audit_export
from dealerkpi.core.pages import asked_month, refuse_unless
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.core.spreadsheets import Book
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.pay.export_views import XLSX, download
from dealerkpi.people.models import AttendanceRecord, AttendanceRules
from dealerkpi.plans.engine import Period
from dealerkpi.plans.metric_labels import LABELS

FIGURES = ("late_arrivals", "minutes_late", "absent_days", "leave_days", "attendance_rate")
Status = AttendanceRecord.Status
MARKS = {  # what a day shows in the grid: the marks of a paper 考勤表
    Status.PRESENT: "✓", Status.LATE: "迟", Status.ABSENT: "旷", Status.LEAVE: "假", Status.REST: "休",
}


@dataclass(frozen=True)
class Line:
    """One person's month: each day's record (None: nothing recorded) with its mark, and their figures."""

    person: Staff
    days: list[tuple[AttendanceRecord | None, str]]
    figures: dict[str, Decimal | None]


@dataclass(frozen=True)
class Sheet:
    store: Store
    month: datetime.date
    days: list[datetime.date]
    lines: list[Line]
    rules: AttendanceRules | None  # None: the store has set none, its days were judged by the defaults


def mark(record: AttendanceRecord | None) -> str:
    """A day in the grid: its mark, and a late day its minutes (迟12); nothing recorded, blank."""
    if record is None:
        return ""
    if record.status == Status.LATE:
        return f"{MARKS[Status.LATE]}{record.minutes_late}"
    return MARKS[record.status]


def month_days(month: datetime.date) -> list[datetime.date]:
    return [month.replace(day=n) for n in range(1, calendar.monthrange(month.year, month.month)[1] + 1)]


def sheet_people(store: Store, days: list[datetime.date], viewer: Viewer) -> QuerySet[Staff]:
    """The store's people employed during the month, or with a day recorded in it, that the viewer may see."""
    employed = Q(store=store, hire_date__lte=days[-1]) & (Q(leave_date__isnull=True) | Q(leave_date__gte=days[0]))
    recorded = Q(pk__in=AttendanceRecord.objects.filter(store=store, day__gte=days[0], day__lte=days[-1])
                 .values("staff_id"))
    return visible_to(Staff.objects.filter(employed | recorded), viewer).order_by("employee_no")


def attendance_sheet_of(store: Store, month: datetime.date, viewer: Viewer) -> Sheet:
    """Four queries: the people, their days, their figures (one metrics source) and the store's rules."""
    days = month_days(month)
    people = list(sheet_people(store, days, viewer))
    records = visible_to(AttendanceRecord.objects.filter(store=store, day__gte=days[0], day__lte=days[-1]), viewer)
    by_day = {(record.staff_id, record.day): record for record in records}
    actuals = metrics.compute(FIGURES, [store.pk], Period(month.year, month.month))
    lines = [
        Line(person, [(found, mark(found)) for found in (by_day.get((person.pk, day)) for day in days)],
             {name: actuals.value(person.pk, name) for name in FIGURES})
        for person in people
    ]
    return Sheet(store, month, days, lines, AttendanceRules.objects.filter(store=store).first())


def chosen_sheet(request: HttpRequest) -> tuple[Viewer, Sheet]:
    refuse_unless(request.user.has_perm("reports.view_attendance_sheet"),
                  _("Supervisors, the store's management, HR and head office see the attendance sheet."))
    viewer = viewer_of(request)
    store, month = chosen_store(request, viewer), asked_month(request, timezone.localdate())
    return viewer, attendance_sheet_of(store, month, viewer)


@login_required
@require_GET
def attendance_sheet(request: HttpRequest) -> HttpResponse:
    viewer, sheet = chosen_sheet(request)
    return render(request, "reports/attendance_sheet.html", store_context(
        viewer, sheet.store, sheet=sheet, month=sheet.month, marks=MARKS,
        labels=[LABELS[name] for name in FIGURES],
        may_record=request.user.has_perm("people.record_attendance", sheet.store),
        may_set_rules=request.user.has_perm("people.set_attendance_rules", sheet.store),
    ))


@login_required
@require_GET
def attendance_sheet_xlsx(request: HttpRequest) -> HttpResponse:
    """The sheet as a workbook: a late day shows its minutes (迟12); the figures follow each person's days."""
    _viewer, sheet = chosen_sheet(request)
    book = Book(_("Attendance sheet"))
    header = [_("Employee no."), _("Name"), *(str(day.day) for day in sheet.days),
              *(str(LABELS[name]) for name in FIGURES)]
    legend = "  ".join(f"{MARKS[status]} {status.label}" for status in Status)
    writer = book.sheet(_("Attendance"), header, frozen_columns=2,
                        above=[[f"{sheet.store.name} {sheet.month:%Y-%m}"], [legend]])
    for line in sheet.lines:
        writer.append([line.person.employee_no, line.person.name, *(shown for _record, shown in line.days),
                       *(line.figures[name] for name in FIGURES)])
    filename = f"attendance-{sheet.store.code}-{sheet.month:%Y-%m}.xlsx"
    audit_export(AttendanceRecord, "attendance-sheet", filename,
                 {"store": sheet.store.pk, "month": f"{sheet.month:%Y-%m}", "rows": len(sheet.lines)})
    return download(book.save(), XLSX, filename)
