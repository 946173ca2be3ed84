"""Pay plans as the people paid by them read them: the plan in force for their role, and its history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dealerkpi.core.forms import asked
from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.org.scope import viewer_of
from dealerkpi.plans.document import PlanDocument, plan_document
from dealerkpi.plans.models import Plan, PlanConfirmation, PlanVersion, confirm_version, covered_staff


def plans_for(viewer: Viewer) -> QuerySet[Plan]:
    """Consultants and supervisors read the plans of their role; managers all of their store's; head office
    all of the group's."""
    plans = Plan.objects.select_related("group", "store")
    if viewer.reach is Reach.EVERYTHING:
        return plans
    if viewer.reach is Reach.NOTHING:
        return plans.none()
    if viewer.reach in (Reach.GROUP, Reach.REGION):
        return plans.filter(group_id=viewer.group_id)
    store_plans = plans.filter(pk__in=Plan.for_store(viewer.store_id, viewer.group_id).values("pk"))
    if viewer.reach is Reach.STORE:
        return store_plans
    return store_plans.filter(role=viewer.role)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    plans = [(plan, plan.version_in_force(today)) for plan in plans_for(viewer_of(request)).order_by("code")]
    return render(request, "plans/plan_list.html", {"plans": plans, "today": today})


def document_of(version: PlanVersion) -> tuple[PlanDocument | None, list[str]]:
    """The version as a document to read, or the problems that stop its being read (a document published
    before a check it now fails): the page then shows the YAML alone."""
    try:
        return plan_document(version.engine_plan(), version.plan.role), []
    except ValidationError as invalid:
        return None, invalid.messages


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(plans_for(viewer_of(request)), pk=pk)
    versions = plan.versions.select_related("created_by__staff").order_by("-effective_from")
    number = asked(request, "v")
    chosen = versions.filter(number=number).first() if number else None
    shown = chosen or plan.version_in_force(timezone.localdate()) or versions.first()
    document, problems = document_of(shown) if shown else (None, [])
    return render(request, "plans/plan_detail.html", {
        "plan": plan, "versions": versions, "shown": shown, "document": document, "problems": problems,
        "curves": document.curve_data() if document else [], **confirmations_of(request, shown),
        "may_draft": request.user.has_perm("studio.write_draft", plan),  # the plan studio's rule, by its name
    })


def confirmations_of(request: HttpRequest, version: PlanVersion | None) -> dict[str, object]:
    """The viewer's own confirmation of the version (when it covers them), and who of the people they see has
    confirmed it (when they may read that)."""
    if version is None:
        return {}
    viewer = viewer_of(request)
    mine = PlanConfirmation.objects.filter(plan_version=version, staff_id=viewer.staff_id).first()
    confirmed = PlanConfirmation.objects.filter(plan_version=version, staff_id=OuterRef("pk"))
    people = None
    if request.user.has_perm("plans.view_confirmations"):
        people = (visible_to(covered_staff(version), viewer).select_related("store")
                  .annotate(confirmed_at=Subquery(confirmed.values("confirmed_at")[:1])).order_by("store", "name"))
    return {"my_confirmation": mine, "may_confirm": mine is None and request.user.has_perm(
        "plans.confirm_version", version), "confirmations": people}


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The person confirms having read the version (签字确认); a second confirmation changes nothing."""
    version = get_object_or_404(PlanVersion.objects.select_related("plan").filter(
        plan__in=plans_for(viewer_of(request))), pk=pk)
    if not request.user.has_perm("plans.confirm_version", version):
        raise PermissionDenied
    confirm_version(version, viewer_of(request).staff_id)
    return redirect(f"{reverse('plan-detail', args=[version.plan_id])}?v={version.number}")
