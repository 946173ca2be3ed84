"""The morning and evening meeting notes of a store, with a draft summary of the figures the meeting goes over
(yesterday's for the morning, the day's for the evening) from the metrics library. The page is one of the store's
routines (under /store/), kept in reports because it weighs figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealerkpi import metrics
from dealerkpi.core.pages import asked_day, page_of, refuse_unless, saved
from dealerkpi.core.scope import visible_to
from dealerkpi.org.models import Store
from dealerkpi.org.pages import chosen_store, store_context, store_staff
from dealerkpi.org.scope import viewer_of
from dealerkpi.people.forms import MeetingNoteForm
from dealerkpi.people.models import MeetingNote

DAY_FIGURES = ("new_leads", "showroom_visits", "orders", "units_delivered")


@dataclass(frozen=True)
class DayFigure:
    label: str
    total: Decimal
    by_person: tuple[tuple[str, Decimal], ...]

    def line(self) -> str:
        # Translators: the separator between people in a list such as "c1 2, c2 1".
        people = _(", ").join(f"{name} {n.normalize():f}" for name, n in self.by_person)
        return f"{self.label}: {self.total.normalize():f}" + (f" ({people})" if people else "")


def day_figures(store: Store, day: datetime.date) -> list[DayFigure]:
    """The store's new leads, showroom visits, orders and deliveries on ``day``, each per person."""
    labels = (_("New leads"), _("Showroom visits"), _("Orders"), _("Deliveries"))  # in the order of DAY_FIGURES
    found = metrics.compute(DAY_FIGURES, [store.pk], metrics.Days(day, day), as_of=day)
    names = {pk: member.name for pk, member in found.people.items()}
    figures = []
    for figure, label in zip(DAY_FIGURES, labels, strict=True):
        by_person = sorted((names[pk], found.total(figure, [pk])) for pk in {row.staff_id for row in found.rows})
        figures.append(DayFigure(label, found.total(figure), tuple((n, v) for n, v in by_person if v)))
    return figures


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
    may_write = request.user.has_perm("people.change_meeting_notes", store)
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
