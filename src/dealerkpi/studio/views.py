"""The plan studio's own pages: the drafts a viewer may read, a draft's page with its steps, and the steps
themselves (start, propose, approve or send back). Editing, what-if and plan health have their own modules."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealerkpi.core.scope import Reach
from dealerkpi.org.scope import viewer_of
from dealerkpi.plans.document import plan_document
from dealerkpi.plans.models import parse_plan_document
from dealerkpi.plans.views import plans_for
from dealerkpi.studio import workflow
from dealerkpi.studio.models import PlanDraft


def drafts_for(request: HttpRequest) -> QuerySet[PlanDraft]:
    """The drafts of the plans the viewer reads, when they write or approve plans at all."""
    viewer = viewer_of(request)
    if viewer.reach in (Reach.OWN, Reach.TEAM, Reach.NOTHING) or not request.user.has_perm("studio.read_draft"):
        return PlanDraft.objects.none()
    return PlanDraft.objects.filter(plan__in=plans_for(viewer)).select_related(
        "plan", "plan__store", "written_by__staff", "proposed_by__staff", "decided_by__staff", "published_version")


def draft_of(request: HttpRequest, pk: int, permission: str = "studio.read_draft") -> PlanDraft:
    """The draft, when the viewer may see it (else 404) and has ``permission`` on it (else 403)."""
    draft = get_object_or_404(drafts_for(request), pk=pk)
    if not request.user.has_perm(permission, draft):
        raise PermissionDenied
    return draft


@login_required
def draft_list(request: HttpRequest) -> HttpResponse:
    drafts = drafts_for(request).order_by("-written_at")
    writable = [plan for plan in plans_for(viewer_of(request)).order_by("code")
                if request.user.has_perm("studio.write_draft", plan)]
    return render(request, "studio/draft_list.html", {"drafts": drafts, "writable": writable})


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(plans_for(viewer_of(request)), pk=pk)
    if not request.user.has_perm("studio.write_draft", plan):
        raise PermissionDenied
    draft = workflow.start_draft(plan, request.user)
    return redirect("draft-detail", pk=draft.pk)


@login_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draft = draft_of(request, pk)
    document, problems = None, []
    try:
        document = plan_document(parse_plan_document(draft.document), draft.plan.role)
        if draft.editable:
            workflow.check_proposable(draft)
    except ValidationError as invalid:
        problems = invalid.messages
    return render(request, "studio/draft_detail.html", {
        "draft": draft, "plan": draft.plan, "problems": problems, "document": document,
        "may_write": draft.editable and request.user.has_perm("studio.write_draft", draft),
        "may_decide": draft.status == PlanDraft.Status.PROPOSED
        and request.user.has_perm("studio.decide_draft", draft),
        "decide_form": DecisionForm(), "proposal_form": ProposalForm(initial={"note": draft.note}),
    })


def _done_or_said(request: HttpRequest, draft: PlanDraft, step: object, *args: object) -> HttpResponse:
    """Take the step; on a refusal, say why on the draft's page."""
    try:
        step(draft, request.user, *args)  # type: ignore[operator]
    except ValidationError as refused:
        for message in refused.messages:
            messages.error(request, message)
    return redirect("draft-detail", pk=draft.pk)


class ProposalForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("What changes and why"), max_length=200)


@login_required
@require_POST
def propose_draft(request: HttpRequest, pk: int) -> HttpResponse:
    draft = draft_of(request, pk, "studio.write_draft")
    form = ProposalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what the draft changes and why: the approver and the version's history read "
                                  "it."))
        return redirect("draft-detail", pk=draft.pk)
    return _done_or_said(request, draft, workflow.propose, form.cleaned_data["note"])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", gettext_lazy("Approve and publish")),
                                          ("send_back", gettext_lazy("Send back"))])
    comment = forms.CharField(label=gettext_lazy("Comment"), max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


@login_required
@require_POST
def decide_draft(request: HttpRequest, pk: int) -> HttpResponse:
    draft = draft_of(request, pk, "studio.decide_draft")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to send back."))
        return redirect("draft-detail", pk=draft.pk)
    step = workflow.approve if form.cleaned_data["decision"] == "approve" else workflow.send_back
    return _done_or_said(request, draft, step, form.cleaned_data["comment"])
