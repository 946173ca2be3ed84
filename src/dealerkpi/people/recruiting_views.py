"""Recruiting's records: opening a position, its candidates (with their CVs), a candidate's interviews, offer and
hire. Candidates' personal data is for HR and the store's management of the store (``people.recruit``): anyone
else is refused (403), another store's records answer 404. Changes are POST only, with CSRF. The positions list
with the funnel is in ``reports/recruiting.py`` (it shows figures)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from dealerkpi.core.pages import act_on, refuse_unless
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.core.uploads import attachment
from dealerkpi.org.models import Staff, Store, Team
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.people import recruiting
from dealerkpi.people.models import Candidate, Interview, Position
from dealerkpi.people.recruiting_forms import CandidateForm, HireForm, InterviewForm, OfferForm, PositionForm, StageForm

REFUSED = gettext_noop("HR and the store's management recruit.")


def recruiter(request: HttpRequest, store: Store) -> Viewer:
    refuse_unless(request.user.has_perm("people.recruit", store), _(REFUSED))
    return viewer_of(request)


def in_scope(request: HttpRequest, records: type[Position] | type[Candidate], pk: int) -> Position | Candidate:
    """The record if the viewer reaches it (else 404) and may recruit in its store (else 403)."""
    refuse_unless(request.user.has_perm("people.view_recruiting"), _(REFUSED))
    found = get_object_or_404(visible_to(records.objects.select_related("store"), viewer_of(request)), pk=pk)
    recruiter(request, found.store)
    return found


@login_required
@require_http_methods(["GET", "POST"])
def position_new(request: HttpRequest) -> HttpResponse:
    refuse_unless(request.user.has_perm("people.view_recruiting"), _(REFUSED))
    store = chosen_store(request, viewer_of(request))
    viewer, today = recruiter(request, store), timezone.localdate()
    form = PositionForm(request.POST or None, instance=Position(store=store, opened_by_id=viewer.staff_id),
                        teams=Team.objects.filter(store=store, is_active=True),
                        leavers=Staff.objects.filter(store=store, leave_date__isnull=False).order_by("-leave_date"),
                        initial={"opened_on": today})
    if request.method == "POST" and form.is_valid():
        position = form.save()
        messages.success(request, _("Opened the position."))
        return HttpResponseRedirect(reverse("position-detail", args=[position.pk]))
    return render(request, "people/position_form.html", store_context(viewer, store, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def position_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The position, its candidates, a new candidate with the CV, and cancelling the position."""
    position = in_scope(request, Position, pk)
    form = CandidateForm(request.POST or None, request.FILES or None,
                         instance=Candidate(position=position, store=position.store),
                         initial={"applied_on": timezone.localdate()})
    if request.method == "POST" and request.POST.get("action") == "cancel":
        try:
            recruiting.cancel(position, timezone.localdate())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Cancelled the position."))
        return HttpResponseRedirect(request.path)
    if request.method == "POST":
        refuse_unless(position.status == Position.Status.OPEN, _("The position is no longer open."))
        if form.is_valid():
            candidate = form.save()
            messages.success(request, _("Added %(name)s.") % {"name": candidate.name})
            return HttpResponseRedirect(request.path)
    candidates = position.candidates.defer("cv").order_by("-applied_on", "-pk")
    return render(request, "people/position_detail.html", store_context(
        viewer_of(request), position.store, position=position, candidates=candidates, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A candidate's data, interviews and scorecards; an interview, closing, the offer and the hire."""
    candidate = in_scope(request, Candidate, pk)
    viewer, today = viewer_of(request), timezone.localdate()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = candidate_forms(candidate, viewer, today, request.POST if action else None, action)
    if action in forms and act_on(request, forms[action], _step(action, candidate, today)):
        return HttpResponseRedirect(request.path)
    return render(request, "people/candidate_detail.html", store_context(
        viewer, candidate.store, candidate=candidate, forms=forms,
        interviews=candidate.interviews.select_related("interviewer"),
        is_open=candidate.stage not in Candidate.CLOSED,
    ))


def candidate_forms(candidate: Candidate, viewer: Viewer, today: datetime.date, data: QueryDict | None,
                    action: str) -> dict[str, Form]:
    """The forms of the candidate's page, the one of ``action`` bound to ``data``."""

    def sent(name: str) -> QueryDict | None:
        return data if name == action else None

    interview = Interview(candidate=candidate, store=candidate.store, interviewer_id=viewer.staff_id)
    return {"interview": InterviewForm(sent("interview"), instance=interview, initial={"held_on": today}),
            "close": StageForm(sent("close")), "offer": OfferForm(sent("offer")), "hire": HireForm(sent("hire"))}


def _step(action: str, candidate: Candidate, today: datetime.date) -> Callable[[Form], str]:
    """What each form of the candidate's page does, and what it says when done."""

    def interview(form: Form) -> str:
        if candidate.stage in Candidate.CLOSED:
            raise ValidationError(_("This candidate is already %(stage)s.") % {"stage": candidate.get_stage_display()})
        form.save()  # type: ignore[attr-defined]
        return _("Saved the interview.")

    def close(form: Form) -> str:
        recruiting.move(candidate, form.cleaned_data["stage"])
        return _("Closed the candidate.")

    def offer(form: Form) -> str:
        recruiting.offer(candidate, form.cleaned_data["offer_salary"], form.cleaned_data["start_on"])
        return _("Recorded the offer.")

    def hire(form: Form) -> str:
        staff = recruiting.hire(candidate, form.cleaned_data["employee_no"], today)
        return _("Hired %(name)s; onboarding and probation have started.") % {"name": staff.name}

    return {"interview": interview, "close": close, "offer": offer, "hire": hire}[action]


@login_required
@require_GET
def candidate_cv(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate's CV as it was uploaded, as an attachment (never shown in the page)."""
    candidate = in_scope(request, Candidate, pk)
    if not candidate.cv:
        raise Http404("no CV")
    return attachment(candidate.cv, candidate.cv_type, f"cv-{candidate.pk}", candidate.cv_name)
