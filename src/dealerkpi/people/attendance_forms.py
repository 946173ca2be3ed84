"""Forms of attendance: a person's day recorded or corrected, and the store's attendance rules. Field errors, never
a server error; what the user typed is kept."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.forms import DayField, RecordIdField, not_in_future
from dealerkpi.people.attendance import Day
from dealerkpi.people.models import AttendanceRecord, AttendanceRules

Status = AttendanceRecord.Status
BY_THE_CLOCK = "clock"


def time_input() -> forms.TimeInput:
    return forms.TimeInput(format="%H:%M", attrs={"type": "time"})


class AskedDay(forms.Form):
    """The day a link asks to record (``?staff=&day=``): read through fields, ignored when not one."""

    staff = RecordIdField(required=False)
    day = DayField(required=False)


class AttendanceDayForm(forms.Form):
    """One person's day: worked (judged from the clock by the store's rules), or absent, on leave or resting."""

    staff = forms.ModelChoiceField(queryset=None, label=_("Staff member"))
    day = DayField(label=_("Day"))
    kind = forms.ChoiceField(label=_("The day"), initial=BY_THE_CLOCK, choices=[
        (BY_THE_CLOCK, _("Worked: judged from the clock")),
        (Status.ABSENT, _("Absent (no clock-in)")),
        (Status.LEAVE, _("On leave")),
        (Status.REST, _("Rest day")),
    ])
    clock_in = forms.TimeField(label=_("Clocked in"), required=False, widget=time_input())
    clock_out = forms.TimeField(label=_("Clocked out"), required=False, widget=time_input())
    leave_kind = forms.ChoiceField(label=_("Kind of leave"), required=False,
                                   choices=[("", "—"), *AttendanceRecord.LeaveKind.choices])
    note = forms.CharField(label=_("Note (why it was corrected)"), required=False, max_length=200)

    def __init__(self, *args: object, people: QuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["staff"].queryset = people

    def clean_day(self) -> datetime.date:
        return not_in_future(self.cleaned_data["day"])

    def clean(self) -> dict:
        data = super().clean()
        kind, clock_in, clock_out = data.get("kind"), data.get("clock_in"), data.get("clock_out")
        if kind == BY_THE_CLOCK and clock_in is None and "clock_in" not in self.errors:
            self.add_error("clock_in", _("Enter the time clocked in, or say the day was absent."))
        if kind == BY_THE_CLOCK and clock_in is not None and clock_out is not None and clock_out <= clock_in:
            self.add_error("clock_out", _("Clocked out after clocking in."))
        if kind == Status.LEAVE and not data.get("leave_kind"):
            self.add_error("leave_kind", _("Say which kind of leave."))
        return data

    def entered(self) -> Day:
        data = self.cleaned_data
        by_clock = data["kind"] == BY_THE_CLOCK
        return Day(
            status=None if by_clock else data["kind"],
            clock_in=data["clock_in"] if by_clock else None,
            clock_out=data["clock_out"] if by_clock else None,
            leave_kind=data["leave_kind"] if data["kind"] == Status.LEAVE else "",
            note=data["note"],
        )


def initial_of(record: AttendanceRecord) -> dict[str, object]:
    """The form's values for a day already recorded, to correct it."""
    worked = record.status in (Status.PRESENT, Status.LATE) or record.clock_in is not None
    return {
        "staff": record.staff_id, "day": record.day, "kind": BY_THE_CLOCK if worked else record.status,
        "clock_in": record.clock_in, "clock_out": record.clock_out, "leave_kind": record.leave_kind,
        "note": record.note,
    }


class AttendanceRulesForm(forms.ModelForm):
    class Meta:
        model = AttendanceRules
        fields = ["work_starts", "work_ends", "grace_minutes", "absent_after_minutes"]
        widgets = {"work_starts": time_input(), "work_ends": time_input()}
