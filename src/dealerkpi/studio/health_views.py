"""The plan health page: a version (the one in force, by default) or a draft of a plan checked on the last 12
complete months of the plan's stores the viewer sees, for those who read the plan's drafts (``studio.read_draft``:
who write or approve the plan)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealerkpi.org.scope import viewer_of
from dealerkpi.pay.inputs import engine_plan_of
from dealerkpi.plans.models import Plan, PlanVersion
from dealerkpi.plans.views import plans_for
from dealerkpi.studio.health import draft_plan, last_complete_months, plan_health, plan_stores
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.views import drafts_for


class HealthForm(forms.Form):
    """What to check: a version of the plan by its number, or one of its drafts the viewer reads; neither: the
    version in force today."""

    version = forms.TypedChoiceField(label=gettext_lazy("Version"), coerce=int, required=False, empty_value=None)
    draft = forms.TypedChoiceField(label=gettext_lazy("Draft"), coerce=int, required=False, empty_value=None)

    def __init__(self, data: object, versions: list[PlanVersion], drafts: list[PlanDraft]) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.fields["version"].choices = [("", _("the version in force"))] + [
            (version.number, f"v{version.number} ({version.effective_from:%Y-%m})") for version in versions]
        self.fields["draft"].choices = [("", "—")] + [(draft.pk, str(draft)) for draft in drafts]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("version") is not None and cleaned.get("draft") is not None:
            raise ValidationError(_("Choose a version or a draft, not both."))
        return cleaned


def _subject(plan: Plan, versions: list[PlanVersion], drafts: list[PlanDraft],
             data: dict[str, object]) -> PlanVersion | PlanDraft | None:
    """The draft asked for, else the version asked for, else the version in force today (or the latest)."""
    if data.get("draft") is not None:
        return next(draft for draft in drafts if draft.pk == data["draft"])
    if data.get("version") is not None:
        return next(version for version in versions if version.number == data["version"])
    return plan.version_in_force(timezone.localdate()) or (versions[0] if versions else None)


def _checked(subject: PlanVersion | PlanDraft | None) -> dict[str, object]:
    """The engine plan of what is checked, or the problems that stop it being checked."""
    if subject is None:
        return {"problems": [_("The plan has no version to check yet.")]}
    try:
        if isinstance(subject, PlanDraft):
            return {"engine_plan": draft_plan(subject)}
        return {"engine_plan": engine_plan_of(subject)}
    except ValidationError as invalid:
        return {"problems": invalid.messages}


@login_required
def plan_health_page(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    plan = get_object_or_404(plans_for(viewer), pk=pk)
    if not request.user.has_perm("studio.read_draft", plan):
        raise PermissionDenied
    versions = list(plan.versions.order_by("-effective_from"))
    drafts = list(drafts_for(request).filter(plan=plan).order_by("-written_at"))
    form = HealthForm(request.GET, versions, drafts)
    context: dict[str, object] = {"plan": plan, "form": form}
    if not form.is_valid():
        return render(request, "studio/plan_health.html", context, status=400)
    subject = _subject(plan, versions, drafts, form.cleaned_data)
    context.update(subject=subject, is_draft=isinstance(subject, PlanDraft), **_checked(subject))
    if "engine_plan" in context:
        stores, periods = plan_stores(plan, viewer), last_complete_months(timezone.localdate())
        context.update(stores=stores, first=periods[0], last=periods[-1],
                       findings=plan_health(plan, context.pop("engine_plan"), stores, periods))
    if request.htmx and "findings" in context:  # the draft's page loads the findings alone, once computed
        return render(request, "studio/_health.html", context)
    return render(request, "studio/plan_health.html", context)
