"""New salespeople: the onboarding board of a store (each newcomer's checklist, overdue steps marked, the probation's
end and status), starting it for a recent hire, ticking a step, and a probation's page with its reviews and the
decision.

A person or record outside the viewer's scope answers 404 (a supervisor sees their team's newcomers), an action the
viewer may not take answers 403. Changes are POST only, with CSRF.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealerkpi.core.pages import act_on, refuse_unless
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.people import onboarding
from dealerkpi.people.forms import DecisionForm, ReviewForm, TickForm
from dealerkpi.people.models import OnboardingItem, Probation


def board_url(store: Store) -> str:
    return f"{reverse('newcomers')}?{urlencode({'store': store.pk})}"


def acting_staff(viewer: Viewer) -> Staff:
    return get_object_or_404(Staff, pk=viewer.staff_id)


@login_required
@require_GET
def newcomers(request: HttpRequest) -> HttpResponse:
    """Each newcomer's checklist with the steps due, done and overdue, and the recent hires not started yet."""
    refuse_unless(request.user.has_perm("people.view_newcomers"),
                  _("Supervisors, the store's management, HR and head office see the newcomers."))
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    people = list(visible_to(onboarding.newcomers(store, today), viewer))
    steps: dict[int, dict[str, OnboardingItem]] = {person.pk: {} for person in people}
    for item in OnboardingItem.objects.filter(staff__in=people).select_related("done_by"):
        steps[item.staff_id][item.step] = item
    rows = [(person, [steps[person.pk].get(step) for step in OnboardingItem.Step.values]) for person in people]
    return render(request, "people/newcomers.html", store_context(
        viewer, store, today=today, rows=rows, step_labels=OnboardingItem.Step.labels,
        waiting=visible_to(onboarding.not_started(store, today), viewer),
        may_start=request.user.has_perm("people.start_onboarding", store),
        may_tick=request.user.has_perm("people.tick_onboarding", store),
        overdue=sum(person.steps_overdue for person in people),
    ))


@login_required
@require_POST
def onboarding_start(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    person = get_object_or_404(visible_to(Staff.objects.filter(store__isnull=False), viewer).select_related("store"),
                               pk=pk)
    refuse_unless(request.user.has_perm("people.start_onboarding", person.store),
                  _("Supervisors, the store's management and HR start onboarding."))
    try:
        onboarding.start(person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Started the onboarding of %(name)s.") % {"name": person.name})
    return HttpResponseRedirect(board_url(person.store))


@login_required
@require_POST
def onboarding_tick(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    item = get_object_or_404(visible_to(OnboardingItem.objects.all(), viewer).select_related("store", "staff"), pk=pk)
    refuse_unless(request.user.has_perm("people.tick_onboarding", item.store),
                  _("The supervisor or a manager ticks the onboarding steps."))
    form = TickForm(request.POST)

    def step(form: Form) -> str:
        onboarding.tick(item, acting_staff(viewer), form.cleaned_data["done_on"], form.cleaned_data["note"])
        return _("Ticked: %(step)s, %(name)s.") % {"step": item.get_step_display(), "name": item.staff.name}

    if not act_on(request, form, step):
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    return HttpResponseRedirect(board_url(item.store))


@login_required
@require_http_methods(["GET", "POST"])
def probation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The probation's dates, its reviews, a review by the viewer and the decision."""
    refuse_unless(request.user.has_perm("people.view_newcomers"),
                  _("Supervisors, the store's management, HR and head office see the newcomers."))
    viewer = viewer_of(request)
    probation = get_object_or_404(visible_to(Probation.objects.all(), viewer).select_related("staff", "store"),
                                  pk=pk)
    review_form, decision_form = ReviewForm(), DecisionForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "review":
            review_form = ReviewForm(request.POST)
            done = _review(request, viewer, probation, review_form)
        else:
            decision_form = DecisionForm(request.POST)
            done = _decide(request, viewer, probation, decision_form)
        if done:
            return HttpResponseRedirect(request.path)
    return render(request, "people/probation.html", store_context(
        viewer, probation.store, probation=probation, review_form=review_form, decision_form=decision_form,
        reviews=probation.reviews.select_related("reviewer"),
        may_review=request.user.has_perm("people.review_probation", probation.store),
        may_decide=request.user.has_perm("people.decide_probation", probation.store),
        may_record_leaving=request.user.has_perm("people.record_departure", probation.store),
    ))


def _review(request: HttpRequest, viewer: Viewer, probation: Probation, form: ReviewForm) -> bool:
    refuse_unless(request.user.has_perm("people.review_probation", probation.store),
                  _("The supervisor and the managers review a probation."))
    def step(form: Form) -> str:
        data = form.cleaned_data
        onboarding.review(probation, data["point"], acting_staff(viewer), timezone.localdate(), data["score"],
                          data["notes"])
        return _("Saved the review.")

    return act_on(request, form, step)


def _decide(request: HttpRequest, viewer: Viewer, probation: Probation, form: DecisionForm) -> bool:
    refuse_unless(request.user.has_perm("people.decide_probation", probation.store),
                  _("The store's management decides a probation."))
    def step(form: Form) -> str:
        data = form.cleaned_data
        onboarding.decide(probation, data["decision"], acting_staff(viewer), timezone.localdate(),
                          data["note"].strip(), data["months"])
        return _("Recorded the decision.")

    return act_on(request, form, step)
