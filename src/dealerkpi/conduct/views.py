"""The register of faults and the process checks (docs/conduct.md), included at /store/.

The register: consultants see their own faults and appeal them, supervisors their team's, the store's staff the
store's; supervisors and managers record a fault with its evidence, the sales manager approves or rejects it, the
GM decides an appeal. Process checks: supervisors and managers record one (theirs or a mystery shopper's), step by
step; the sales manager keeps the standard steps and the store's fault types. Head office reads, ``?store=<id>``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dealerkpi.conduct import services
from dealerkpi.conduct.forms import (
    DECIDE,
    DECIDE_APPEAL,
    AppealForm,
    DecisionForm,
    FaultFilter,
    FaultForm,
    FaultTypeForm,
    KindForm,
    ProcessCheckForm,
    StepForm,
    fault_types_of,
)
from dealerkpi.conduct.models import ChecklistKind, Fault, FaultType, ProcessCheck, ProcessStep
from dealerkpi.core.pages import page_of, refuse_unless
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.core.uploads import attachment
from dealerkpi.crm.models import ShowroomVisit
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.pages import chosen_store, store_context, store_staff
from dealerkpi.org.scope import viewer_of
from dealerkpi.sales.models import Delivery

RECENT_DAYS = 31  # the visits and deliveries a check may name


def _reader(request: HttpRequest) -> tuple[Viewer, Store]:
    refuse_unless(request.user.has_perm("conduct.view_conduct"), _("The store's staff and head office read this."))
    viewer = viewer_of(request)
    return viewer, chosen_store(request, viewer)


def _people(viewer: Viewer, store: Store) -> QuerySet[Staff]:
    """The store's staff of today the viewer reaches (a supervisor: their team), never themselves."""
    return visible_to(store_staff(store, timezone.localdate()), viewer).exclude(pk=viewer.staff_id)


@login_required
@require_GET
def fault_list(request: HttpRequest) -> HttpResponse:
    viewer, store = _reader(request)
    faults = visible_to(Fault.objects.filter(store=store), viewer).defer("evidence")
    filters = FaultFilter(request.GET or None, queryset=faults, people=visible_to(Staff.objects.filter(store=store),
                                                                                    viewer).order_by("employee_no"),
                          fault_types=FaultType.objects.filter(pk__in=faults.values("fault_type_id")))
    page = page_of(request, filters.qs.select_related("staff", "fault_type").order_by("-day", "-pk"))
    return render(request, "conduct/fault_list.html", store_context(
        viewer, store, filters=filters, page=page, may_record=request.user.has_perm("conduct.record_fault", store)))


@login_required
@require_http_methods(["GET", "POST"])
def fault_new(request: HttpRequest) -> HttpResponse:
    viewer, store = _reader(request)
    refuse_unless(request.user.has_perm("conduct.record_fault", store), _("Supervisors and managers record faults."))
    fault = Fault(store=store, recorded_by_id=viewer.staff_id, recorded_at=timezone.now())
    form = FaultForm(request.POST or None, request.FILES or None, instance=fault, people=_people(viewer, store),
                     fault_types=fault_types_of(store), initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        fault = form.save()
        messages.success(request, _("Recorded the fault; it waits for the sales manager's decision."))
        return HttpResponseRedirect(reverse("fault-detail", args=[fault.pk]))
    return render(request, "conduct/fault_form.html", store_context(viewer, store, form=form),
                  status=400 if form.errors else 200)


def _fault(request: HttpRequest, pk: int) -> Fault:
    refuse_unless(request.user.has_perm("conduct.view_conduct"), _("The store's staff and head office read this."))
    faults = visible_to(Fault.objects.defer("evidence"), viewer_of(request))
    return get_object_or_404(faults.select_related("store", "staff", "fault_type", "recorded_by", "decided_by",
                                                   "appeal_decided_by"), pk=pk)


def _actions(request: HttpRequest, fault: Fault) -> dict[str, Form]:
    """The forms the reader may send about the fault in its state, the one sent bound."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    user, status = request.user, fault.status

    def sent(name: str) -> object:
        return request.POST if name == action else None

    found: dict[str, Form] = {}
    if status == Fault.Status.PROPOSED and user.has_perm("conduct.decide_fault", fault):
        found["decide"] = DecisionForm(sent("decide"), choices=DECIDE)
    if status == Fault.Status.APPROVED and user.has_perm("conduct.appeal_fault", fault):
        found["appeal"] = AppealForm(sent("appeal"))
    if status == Fault.Status.APPEALED and user.has_perm("conduct.decide_appeal", fault):
        found["decide_appeal"] = DecisionForm(sent("decide_appeal"), choices=DECIDE_APPEAL)
    return found


def _act(action: str, form: Form, fault: Fault, viewer: Viewer) -> str:
    """Take the step; what it says when done."""
    data, now = form.cleaned_data, timezone.now()
    decider = Staff.objects.get(pk=viewer.staff_id) if action != "appeal" else None
    if action == "decide":
        fault = services.decide(fault, data["decision"] == Fault.Status.APPROVED, data["reason"], decider, now)
    elif action == "appeal":
        fault = services.appeal(fault, data["grounds"], now)
    else:
        fault = services.decide_appeal(fault, data["decision"] == Fault.Status.UPHELD, data["reason"], decider, now)
    return _("The fault is now: %(status)s.") % {"status": fault.get_status_display()}


@login_required
@require_http_methods(["GET", "POST"])
def fault_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fault = _fault(request, pk)
    viewer = viewer_of(request)
    actions = _actions(request, fault)
    if request.method == "POST":
        action = request.POST.get("action", "")
        refuse_unless(action in actions, _("This step is not yours to take, or the fault has moved on."))
        form = actions[action]
        if form.is_valid():
            try:
                messages.success(request, _act(action, form, fault, viewer))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return HttpResponseRedirect(request.path)
    return render(request, "conduct/fault_detail.html", store_context(
        viewer, fault.store, fault=fault, actions=actions, counted=fault.status in Fault.COUNTED),
        status=400 if any(form.errors for form in actions.values()) else 200)


@login_required
@require_GET
def fault_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence as it was uploaded, as an attachment (never shown in the page)."""
    fault = _fault(request, pk)
    evidence = Fault.objects.filter(pk=fault.pk).values_list("evidence", flat=True).get()
    if not evidence:
        raise Http404("no evidence")
    return attachment(evidence, fault.evidence_type, f"fault-{fault.pk}", fault.evidence_name)


@login_required
@require_GET
def process_check_list(request: HttpRequest) -> HttpResponse:
    viewer, store = _reader(request)
    checks = visible_to(ProcessCheck.objects.filter(store=store), viewer)
    kind = KindForm(request.GET)
    if kind.is_valid() and kind.cleaned_data["kind"]:
        checks = checks.filter(kind=kind.cleaned_data["kind"])
    page = page_of(request, checks.select_related("staff", "checker").order_by("-day", "-pk"))
    return render(request, "conduct/check_list.html", store_context(
        viewer, store, page=page, kind=kind, may_check=request.user.has_perm("conduct.check_process", store),
        may_set=request.user.has_perm("conduct.change_standards", store), kinds=ChecklistKind.choices))


def active_steps(store: Store, kind: str) -> list[ProcessStep]:
    return list(ProcessStep.objects.filter(store=store, kind=kind, is_active=True))


@login_required
@require_http_methods(["GET", "POST"])
def process_check_new(request: HttpRequest) -> HttpResponse:
    viewer, store = _reader(request)
    refuse_unless(request.user.has_perm("conduct.check_process", store),
                  _("Supervisors and managers check the process."))
    kind = KindForm(request.GET).chosen()
    since = timezone.localdate() - datetime.timedelta(days=RECENT_DAYS)
    check = ProcessCheck(store=store, kind=kind, recorded_by_id=viewer.staff_id, recorded_at=timezone.now())
    form = ProcessCheckForm(
        request.POST or None, instance=check, people=_people(viewer, store), steps=active_steps(store, kind),
        visits=ShowroomVisit.objects.filter(store=store, arrived_at__date__gte=since).select_related("lead__customer")
        .order_by("-arrived_at"),
        deliveries=Delivery.objects.filter(store=store, delivered_at__date__gte=since).select_related("order")
        .order_by("-delivered_at"),
        initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        check = form.save(commit=False)
        check.checker_id = None if check.shopper.strip() else viewer.staff_id
        try:
            check = services.record_check(check, form.results())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recorded the check: %(score)s points.") % {"score": check.score})
            return HttpResponseRedirect(reverse("process-check-detail", args=[check.pk]))
    return render(request, "conduct/check_form.html", store_context(
        viewer, store, form=form, kind=kind, kinds=ChecklistKind.choices), status=400 if form.errors else 200)


@login_required
@require_GET
def process_check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    refuse_unless(request.user.has_perm("conduct.view_conduct"), _("The store's staff and head office read this."))
    checks = visible_to(ProcessCheck.objects.select_related("store", "staff", "checker", "visit", "delivery"),
                        viewer_of(request))
    check = get_object_or_404(checks, pk=pk)
    return render(request, "conduct/check_detail.html", store_context(
        viewer_of(request), check.store, check=check, steps=check.steps.all()))


@login_required
@require_http_methods(["GET", "POST"])
def standards(request: HttpRequest) -> HttpResponse:
    """The store's standard steps of each checklist and its own fault types (the group's are in the master data)."""
    viewer, store = _reader(request)
    refuse_unless(request.user.has_perm("conduct.change_standards", store),
                  _("The sales manager sets the store's standards."))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    steps = ProcessStep.objects.filter(store=store)
    step_form = StepForm(request.POST if action == "step" else None,
                         initial={"kind": ChecklistKind.RECEPTION, "weight": 10})
    if action == "step" and step_form.is_valid():
        chosen = step_form.cleaned_data["step"]
        step_form.instance = get_object_or_404(steps, pk=chosen) if chosen else ProcessStep(store=store)
        step_form = StepForm(request.POST, instance=step_form.instance)
        if step_form.is_valid():
            step_form.save()
            messages.success(request, _("Saved the step."))
            return HttpResponseRedirect(request.get_full_path())
    type_form = FaultTypeForm(request.POST if action == "fault_type" else None,
                              instance=FaultType(store=store, group_id=store.region.group_id))
    if action == "fault_type" and type_form.is_valid():
        type_form.save()
        messages.success(request, _("Saved the fault type."))
        return HttpResponseRedirect(request.get_full_path())
    return render(request, "conduct/standards.html", store_context(
        viewer, store, steps=steps, step_form=step_form, type_form=type_form, fault_types=fault_types_of(store),
        edits=[(step, StepForm(instance=step, initial={"step": step.pk})) for step in steps]),
        status=400 if step_form.errors or type_form.errors else 200)
