"""The store's routines: training records, the daily showroom checklist and the morning and evening meeting
notes.

Every page shows one store: the viewer's own, or for head office the one chosen with ``?store=`` among
those it may see. Records are read through ``visible_to``; a store outside the scope answers 404, a change
by someone who may only read answers 403. Changes are POST only, with CSRF.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dealerkpi.core.pages import asked_month, next_month, page_of, refuse_unless, saved
from dealerkpi.core.scope import visible_to
from dealerkpi.org.pages import chosen_store, store_context, store_staff
from dealerkpi.org.scope import viewer_of
from dealerkpi.people.forms import CertificationForm, DailyChecklistForm, TrainingForm
from dealerkpi.people.models import Certification, DailyChecklist, TrainingRecord

PER_PAGE = 50
CHECKLIST_DAYS = 30
RENEW_WITHIN = 60  # days: a certification expiring this soon is to be renewed

# --- training -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    """The month's training records and each person's hours; consultants see their own."""
    viewer = viewer_of(request)
    store, month = chosen_store(request, viewer), asked_month(request, timezone.localdate())
    records = visible_to(TrainingRecord.objects.filter(store=store, held_on__gte=month,
                                                       held_on__lt=next_month(month)), viewer)
    hours = (records.values("staff_id", "staff__name")
             .annotate(hours=Sum("hours"), courses=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
             .order_by("staff__name"))
    page = page_of(request, records.select_related("staff", "trainer").order_by("-held_on", "staff__name", "pk"))
    return render(request, "people/training_list.html", store_context(
        viewer, store, month=month, hours=hours, page=page,
        may_record=request.user.has_perm("people.add_training", store),
    ))


@login_required
@require_http_methods(["GET", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    """One course for several people at once: supervisors record for their team, managers for the store."""
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    refuse_unless(request.user.has_perm("people.add_training", store),
                  _("Supervisors and managers of the store record training."))
    colleagues = store_staff(store, today)
    form = TrainingForm(request.POST or None, people=visible_to(colleagues, viewer), colleagues=colleagues,
                        initial={"held_on": today})
    if request.method == "POST" and form.is_valid():
        records = TrainingRecord.objects.bulk_create(form.records(store.pk))
        messages.success(request, _("Recorded the training for %(n)s people.") % {"n": len(records)})
        month = f"{form.cleaned_data['held_on']:%Y-%m}"
        return HttpResponseRedirect(f"{reverse('training-list')}?{urlencode({'store': store.pk, 'month': month})}")
    return render(request, "people/training_form.html", store_context(viewer, store, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def certifications(request: HttpRequest) -> HttpResponse:
    """Who holds which certification (the store's staff today; consultants see their own), who must renew within
    60 days or has let one expire, and recording one."""
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    may_record = request.user.has_perm("people.add_certification", store)
    staff = store_staff(store, today)
    form = CertificationForm(request.POST or None, instance=Certification(store=store),
                             people=visible_to(staff, viewer), initial={"obtained_on": today})
    if request.method == "POST":
        refuse_unless(may_record, _("Supervisors, managers and HR of the store record certifications."))
        if form.is_valid():
            form.save()
            return saved(request, _("Recorded the certification."))
    held = (visible_to(Certification.objects.filter(store=store, staff__in=staff), viewer)
            .select_related("staff").order_by("staff__name", "name", "pk"))
    renew_by = today + datetime.timedelta(days=RENEW_WITHIN)
    return render(request, "people/certifications.html", store_context(
        viewer, store, today=today, renew_by=renew_by, form=form, may_record=may_record, held=held,
        renew=held.filter(expires_on__lte=renew_by).order_by("expires_on", "pk"),
    ))


# --- the daily checklist ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def daily_checklist(request: HttpRequest) -> HttpResponse:
    """Today's showroom and vehicle checklist (one per store and day; saving again updates it) and the last
    30 days with the days nobody checked."""
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    may_check = request.user.has_perm("people.change_checklist", store)
    checklists = visible_to(DailyChecklist.objects.filter(store=store), viewer)
    todays = checklists.filter(day=today).first() or DailyChecklist(store=store, day=today)
    form = DailyChecklistForm(request.POST or None, instance=todays)
    if request.method == "POST":
        refuse_unless(may_check, _("Supervisors and managers of the store fill in the checklist."))
        if form.is_valid():
            form.instance.checked_by_id = viewer.staff_id
            form.save()
            return saved(request, _("Saved the checklist of %(day)s.") % {"day": today})
    first = today - datetime.timedelta(days=CHECKLIST_DAYS - 1)
    recent = {c.day: c for c in checklists.filter(day__gte=first, day__lte=today).select_related("checked_by")}
    days = [(day, recent.get(day)) for day in (today - datetime.timedelta(days=n) for n in range(CHECKLIST_DAYS))]
    return render(request, "people/daily_checklist.html", store_context(
        viewer, store, today=today, form=form, may_check=may_check, days=days,
        gaps=sum(1 for _day, checklist in days if checklist is None), items=len(DailyChecklist.ITEMS),
    ))
