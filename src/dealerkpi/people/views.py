"""The store's routines: training records, the daily showroom checklist and the morning and evening meeting
notes.

Every page shows one store: the viewer's own, or for head office the one chosen with ``?store=`` among
those it may see. Records are read through ``visible_to``; a store outside the scope answers 404, a change
by someone who may only read answers 403. Changes are POST only, with CSRF.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dealerkpi.core.pages import asked_day, asked_month, day_bounds, next_month, page_of, refuse_unless, saved
from dealerkpi.core.scope import visible_to
from dealerkpi.crm.models import Lead, ShowroomVisit
from dealerkpi.org.models import Store
from dealerkpi.org.pages import chosen_store, store_context, store_staff, works_in
from dealerkpi.org.roles import LEADERS
from dealerkpi.org.scope import viewer_of
from dealerkpi.people.forms import DailyChecklistForm, MeetingNoteForm, TrainingForm
from dealerkpi.people.models import DailyChecklist, MeetingNote, TrainingRecord
from dealerkpi.sales.models import Delivery, Order

PER_PAGE = 50
CHECKLIST_DAYS = 30

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
        viewer, store, month=month, hours=hours, page=page, may_record=works_in(viewer, store, LEADERS),
    ))


@login_required
@require_http_methods(["GET", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    """One course for several people at once: supervisors record for their team, managers for the store."""
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    refuse_unless(works_in(viewer, store, LEADERS), _("Supervisors and managers of the store record training."))
    colleagues = store_staff(store, today)
    form = TrainingForm(request.POST or None, people=visible_to(colleagues, viewer), colleagues=colleagues,
                        initial={"held_on": today})
    if request.method == "POST" and form.is_valid():
        records = TrainingRecord.objects.bulk_create(form.records(store.pk))
        messages.success(request, _("Recorded the training for %(n)s people.") % {"n": len(records)})
        month = f"{form.cleaned_data['held_on']:%Y-%m}"
        return HttpResponseRedirect(f"{reverse('training-list')}?{urlencode({'store': store.pk, 'month': month})}")
    return render(request, "people/training_form.html", store_context(viewer, store, form=form))


# --- the daily checklist ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def daily_checklist(request: HttpRequest) -> HttpResponse:
    """Today's showroom and vehicle checklist (one per store and day; saving again updates it) and the last
    30 days with the days nobody checked."""
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    may_check = works_in(viewer, store, LEADERS)
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


# --- meeting notes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigure:
    label: str
    total: int
    by_person: tuple[tuple[str, int], ...]

    def line(self) -> str:
        # Translators: the separator between people in a list such as "c1 2, c2 1".
        people = _(", ").join(f"{name} {n}" for name, n in self.by_person)
        return f"{self.label}: {self.total}" + (f" ({people})" if people else "")


def _counted(records: QuerySet, person: str, label: str) -> DayFigure:
    """One grouped query: how many records each person has, with their name."""
    rows = list(records.values(f"{person}__name").annotate(n=Count("pk")).order_by(f"{person}__name"))
    by_person = tuple((row[f"{person}__name"], row["n"]) for row in rows)
    return DayFigure(label, sum(n for _name, n in by_person), by_person)


def day_figures(store: Store, day: datetime.date) -> list[DayFigure]:
    """The store's new leads, showroom visits, orders and deliveries on ``day``, each per consultant."""
    start, end = day_bounds(day)
    return [
        _counted(Lead.objects.filter(store=store, created_at__gte=start, created_at__lt=end), "owner",
                 _("New leads")),
        _counted(ShowroomVisit.objects.filter(store=store, arrived_at__gte=start, arrived_at__lt=end),
                 "consultant", _("Showroom visits")),
        _counted(Order.objects.filter(store=store, ordered_at__gte=start, ordered_at__lt=end), "consultant",
                 _("Orders")),
        _counted(Delivery.objects.filter(store=store, delivered_at__gte=start, delivered_at__lt=end),
                 "order__consultant", _("Deliveries")),
    ]


def summary_draft(store: Store, note: MeetingNote) -> str:
    """The figures the meeting sums up, as text to edit: yesterday's for the morning, the day's for the evening."""
    day = note.day - datetime.timedelta(days=1) if note.kind == MeetingNote.Kind.MORNING else note.day
    heading = _("Figures of %(day)s") % {"day": day.isoformat()}
    return "\n".join([heading, *(figure.line() for figure in day_figures(store, day))]) + "\n"


def _meeting_kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in MeetingNote.Kind.values else MeetingNote.Kind.MORNING


@login_required
@require_http_methods(["GET", "POST"])
def meeting_notes(request: HttpRequest) -> HttpResponse:
    """The note of one meeting (``?day=&kind=``, today's morning meeting by default) and the store's notes."""
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    may_write = works_in(viewer, store, LEADERS)
    notes = visible_to(MeetingNote.objects.filter(store=store), viewer)
    day, kind = asked_day(request, today), _meeting_kind(request)
    note = notes.filter(day=day, kind=kind).first() or MeetingNote(store=store, day=day, kind=kind)
    form = None
    if may_write:
        initial = {} if note.pk else {"summary": summary_draft(store, note)}
        form = MeetingNoteForm(request.POST or None, instance=note, initial=initial,
                               colleagues=store_staff(store, day))
    if request.method == "POST":
        refuse_unless(form is not None, _("Supervisors and managers of the store write the meeting notes."))
        if form.is_valid():
            if note.pk is None:
                form.instance.author_id = viewer.staff_id
            form.save()
            return saved(request, _("Saved the notes of the %(meeting)s of %(day)s.") % {
                "meeting": note.get_kind_display(), "day": day})
    page = page_of(request, notes.select_related("author").prefetch_related("attendees").order_by("-day", "kind"))
    return render(request, "people/meeting_notes.html", store_context(
        viewer, store, today=today, day=day, kind=kind, note=note, form=form, page=page,
        kinds=MeetingNote.Kind.choices,
    ))
