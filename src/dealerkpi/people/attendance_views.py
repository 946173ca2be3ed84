"""Attendance at the desk: a supervisor records or corrects a day of their team, a manager of the store; the store's
managers set its attendance rules. The month's sheet is in reports (it shows figures)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealerkpi.core.pages import refuse_unless, saved
from dealerkpi.core.scope import visible_to
from dealerkpi.org.models import Staff
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.people.attendance import record_day
from dealerkpi.people.attendance_forms import AskedDay, AttendanceDayForm, AttendanceRulesForm, initial_of
from dealerkpi.people.models import AttendanceRecord, AttendanceRules

KEPT_FOR = datetime.timedelta(days=92)  # a leaver's days can be corrected for three months


@login_required
@require_http_methods(["GET", "POST"])
def attendance_day(request: HttpRequest) -> HttpResponse:
    """Record a person's day, or correct the one recorded (``?staff=&day=`` opens it). Back to the month's sheet."""
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    refuse_unless(request.user.has_perm("people.record_attendance", store),
                  _("Supervisors record their team's attendance, managers the store's."))
    asked = AskedDay(request.GET)
    asked.is_valid()
    day = asked.cleaned_data.get("day") or today
    people = visible_to(Staff.objects.filter(store=store, hire_date__lte=today).filter(
        Q(leave_date__isnull=True) | Q(leave_date__gte=today - KEPT_FOR)).order_by("employee_no"), viewer)
    there = visible_to(AttendanceRecord.objects.filter(store=store), viewer).filter(
        staff_id=asked.cleaned_data.get("staff"), day=day).first()
    initial = initial_of(there) if there else {"staff": asked.cleaned_data.get("staff"), "day": day}
    form = AttendanceDayForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = record_day(store, data["staff"], data["day"], form.entered())
        month = f"{record.day:%Y-%m}"
        sheet = f"{reverse('attendance-sheet')}?{urlencode({'store': store.pk, 'month': month})}"
        messages.success(request, _("Recorded %(name)s's %(day)s: %(status)s.") % {
            "name": record.staff.name, "day": record.day, "status": record.get_status_display()})
        return HttpResponseRedirect(sheet)
    return render(request, "people/attendance_day.html", store_context(
        viewer, store, form=form, there=there, rules=AttendanceRules.objects.filter(store=store).first(),
        may_set_rules=request.user.has_perm("people.set_attendance_rules", store),
    ))


@login_required
@require_http_methods(["GET", "POST"])
def attendance_rules(request: HttpRequest) -> HttpResponse:
    """The store's working day, grace and limit for a day absent. Days already recorded keep how they were judged."""
    viewer = viewer_of(request)
    store = chosen_store(request, viewer)
    refuse_unless(request.user.has_perm("people.set_attendance_rules", store),
                  _("The store's managers set its attendance rules."))
    rules = AttendanceRules.objects.filter(store=store).first()
    form = AttendanceRulesForm(request.POST or None, instance=rules or AttendanceRules(store=store))
    if request.method == "POST" and form.is_valid():
        form.save()
        return saved(request, _("Saved the attendance rules."))
    return render(request, "people/attendance_rules.html", store_context(viewer, store, form=form, rules=rules))
