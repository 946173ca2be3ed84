"""Writing a draft in the browser: the YAML editor with live validation (errors at their lines, as `plan check`
gives them, in the reader's language) and a slot for the preview on a person and a month; the structured form for
the common edits; and what changed between two versions, or a draft and the version it started from."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealerkpi.core.forms import MonthField, RecordIdField
from dealerkpi.core.pages import refuse_unless
from dealerkpi.core.scope import visible_to
from dealerkpi.org.models import Staff
from dealerkpi.org.scope import viewer_of
from dealerkpi.plans.engine.loader import MAX_DOCUMENT
from dealerkpi.plans.models import Plan, PlanVersion
from dealerkpi.plans.views import plans_for
from dealerkpi.studio import workflow
from dealerkpi.studio.diff import compare, said_changes
from dealerkpi.studio.editor_errors import checked
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.structured import StructuredForm, digest
from dealerkpi.studio.views import draft_of, drafts_for

# --- the editor ---------------------------------------------------------------------------------------------------


class DocumentForm(forms.Form):
    """The document alone, as the editor sends it to be checked while it is typed."""

    document = forms.CharField(label=gettext_lazy("Plan document (YAML)"), max_length=MAX_DOCUMENT, strip=False,
                               widget=forms.Textarea(attrs={"rows": 32, "spellcheck": "false", "class": "yaml-source"}))

    def clean_document(self) -> str:
        return self.cleaned_data["document"].replace("\r\n", "\n")  # a browser sends a textarea's lines with CRLF


class DraftForm(DocumentForm):
    effective_from = MonthField(label=gettext_lazy("In force from"),
                                help_text=gettext_lazy("The first month the new version pays."))
    note = forms.CharField(label=gettext_lazy("What changes and why"), max_length=200, required=False)
    base = forms.CharField(widget=forms.HiddenInput, max_length=64)


class PreviewForm(forms.Form):
    """The person and month the draft is tried on (the preview itself is ``draft-preview``'s)."""

    staff = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=Staff.objects.none())
    month = MonthField(label=gettext_lazy("Month"))


def editable_draft(request: HttpRequest, pk: int) -> PlanDraft:
    """The draft, when the viewer writes it (else 404 or 403) and it is still being written (else 403)."""
    draft = draft_of(request, pk, "studio.write_draft")
    refuse_unless(draft.editable, _("This draft is no longer being written: it has been proposed or published."))
    return draft


def _save(draft: PlanDraft, document: str, effective_from: datetime.date, note: str, base: str) -> PlanDraft:
    """Save under the draft's row lock, unless it changed since the writer's form was made from it."""
    with transaction.atomic():
        current = PlanDraft.objects.select_for_update().get(pk=draft.pk)
        if digest(current.document) != base:
            raise ValidationError(_("Someone saved this draft after you opened it. Your text is kept below; save "
                                    "again to replace theirs, or open the draft again to see it."), code="stale")
        return workflow.save_draft(current, document, effective_from, note)


def _people(draft: PlanDraft, request: HttpRequest) -> QuerySet[Staff]:
    """The people of the plan's role the viewer sees, where the plan applies."""
    plan = draft.plan
    people = Staff.objects.filter(group_id=plan.group_id, role=plan.role, leave_date__isnull=True)
    if plan.store_id is not None:
        people = people.filter(store_id=plan.store_id)
    return visible_to(people, viewer_of(request)).order_by("name")


def _preview_form(draft: PlanDraft, request: HttpRequest) -> PreviewForm:
    people = _people(draft, request)
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    form = PreviewForm(initial={"staff": people.first(), "month": f"{last_month:%Y-%m}"})
    form.fields["staff"].queryset = people
    return form


@login_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    draft = editable_draft(request, pk)
    initial = {"document": draft.document, "effective_from": f"{draft.effective_from:%Y-%m}", "note": draft.note,
               "base": digest(draft.document)}
    form = DraftForm(request.POST or None, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            _save(draft, data["document"], data["effective_from"], data["note"], data["base"])
        except ValidationError as refused:
            _refused(form, refused, draft)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("draft-edit", pk=draft.pk)
    document = form.cleaned_data.get("document", draft.document) if form.is_bound else draft.document
    _plan, problems = checked(document)
    return render(request, "studio/draft_edit.html", {
        "draft": draft, "plan": draft.plan, "form": form, "problems": problems,
        "preview_form": _preview_form(draft, request),
    }, status=400 if form.is_bound else 200)


def _refused(form: forms.Form, refused: ValidationError, draft: PlanDraft) -> None:
    """A refusal as the form's errors; a stale save takes the draft as it is now as its base, so saving again
    replaces it."""
    form.add_error(None, refused)
    if getattr(refused, "code", None) == "stale":
        current = PlanDraft.objects.get(pk=draft.pk)
        form.data = form.data.copy()
        form.data["base"] = digest(current.document)


@login_required
@require_POST
def draft_validate(request: HttpRequest, pk: int) -> JsonResponse:
    """The document's errors as `plan check` finds them: {"errors": [{line, column, where, message}]}."""
    editable_draft(request, pk)
    form = DocumentForm(request.POST)
    if not form.is_valid():
        where = _("Line %(line)s, column %(column)s") % {"line": 1, "column": 1}
        return JsonResponse({"errors": [{"line": 1, "column": 1, "where": where, "message": message}
                                        for message in form.errors.get("document", [])]})
    _plan, problems = checked(form.cleaned_data["document"])
    return JsonResponse({"errors": [problem.as_data() for problem in problems]})


# --- the structured form ------------------------------------------------------------------------------------------


@login_required
def draft_form(request: HttpRequest, pk: int) -> HttpResponse:
    draft = editable_draft(request, pk)
    plan, problems = checked(draft.document)
    if plan is None:
        return render(request, "studio/draft_form.html", {"draft": draft, "plan": draft.plan, "problems": problems})
    if request.method == "POST":
        return _form_posted(request, draft)
    form = StructuredForm(draft.document, plan, draft.plan.role)
    return render(request, "studio/draft_form.html", {"draft": draft, "plan": draft.plan, "form": form})


def _form_posted(request: HttpRequest, draft: PlanDraft) -> HttpResponse:
    """Write the form's values into the draft, under its row lock, from the document as it is now."""
    with transaction.atomic():
        current = PlanDraft.objects.select_for_update().select_related("plan").get(pk=draft.pk)
        plan, _problems = checked(current.document)
        form = StructuredForm(current.document, plan, current.plan.role, data=request.POST) if plan else None
        if form is not None and form.is_valid():
            if form.new_document == current.document:
                messages.info(request, _("Nothing was changed."))
                return redirect("draft-form", pk=draft.pk)
            workflow.save_draft(current, form.new_document, current.effective_from, current.note)
            _said_saved(request, current.document, form.new_document, current.plan.role)
            return redirect("draft-form", pk=draft.pk)
    if form is None:  # the document was made invalid by a save in the editor meanwhile
        messages.error(request, _("The draft has been changed in the editor and is no longer a valid plan."))
        return redirect("draft-form", pk=draft.pk)
    return render(request, "studio/draft_form.html", {"draft": current, "plan": current.plan, "form": form},
                  status=400)


def _said_saved(request: HttpRequest, old: str, new: str, role: str) -> None:
    said = said_changes(old, new, role)
    messages.success(request, _("Draft saved: %(changes)s") % {"changes": _("; ").join(said[:10])})


# --- what changed -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a version or a draft, by its name, with its document."""

    name: str
    document: str
    key: str  # how the page's choice names it: "3", "draft:12"


def _version_side(version: PlanVersion) -> Side:
    return Side(_("v%(number)s from %(month)s") % {"number": version.number,
                                                   "month": f"{version.effective_from:%Y-%m}"},
                version.document, str(version.number))


def _draft_side(draft: PlanDraft) -> Side:
    return Side(_("draft from %(month)s (%(status)s)") % {"month": f"{draft.effective_from:%Y-%m}",
                                                          "status": draft.get_status_display()},
                draft.document, f"draft:{draft.pk}")


class SideField(forms.Field):
    """A side of a comparison as the query names it: a version's number, or ``draft:<id>``."""

    def to_python(self, value: object) -> tuple[str, int] | None:
        text = str(value or "").strip()
        if not text:
            return None
        kind, _colon, number = text.rpartition(":")
        if kind not in ("", "draft") or len(text) > 40:
            raise ValidationError(_("Choose a version or a draft."), code="invalid")
        return ("draft" if kind else "version", RecordIdField().clean(number))


class DiffAsked(forms.Form):
    """?from=<version number>&to=<version number or draft:id>; either may be left out."""

    def __init__(self, data: object) -> None:
        super().__init__(data)
        self.fields["from"] = SideField(required=False)
        self.fields["to"] = SideField(required=False)


class _Sides:
    """The versions and drafts of a plan the viewer may compare."""

    def __init__(self, request: HttpRequest, plan: Plan) -> None:
        self.versions = list(plan.versions.order_by("effective_from"))
        self.drafts = list(drafts_for(request).filter(plan=plan).order_by("written_at"))

    def find(self, asked: tuple[str, int] | None) -> Side | None:
        """The side asked for; None when none is asked; 404 when it is none of the plan's the viewer reads."""
        if asked is None:
            return None
        kind, key = asked
        if kind == "draft":
            found = next((_draft_side(draft) for draft in self.drafts if draft.pk == key), None)
        else:
            found = next((_version_side(version) for version in self.versions if version.number == key), None)
        if found is None:
            raise Http404
        return found

    def choices(self) -> list[Side]:
        return [*map(_version_side, reversed(self.versions)), *map(_draft_side, reversed(self.drafts))]

    def before(self, side: Side) -> Side | None:
        """The version before a version; for a draft, the version it started from (else the latest)."""
        draft = next((draft for draft in self.drafts if f"draft:{draft.pk}" == side.key), None)
        if draft is not None:
            started = draft.based_on or (self.versions[-1] if self.versions else None)
            return _version_side(started) if started else None
        index = [str(version.number) for version in self.versions].index(side.key)
        return _version_side(self.versions[index - 1]) if index > 0 else None


@login_required
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Two of the plan's versions (or a version and a draft): by default the latest version against the one
    before it, a version against the one before it, a draft against the version it started from."""
    plan = get_object_or_404(plans_for(viewer_of(request)), pk=pk)
    sides = _Sides(request, plan)
    asked = DiffAsked(request.GET)
    if not asked.is_valid():
        return _diff_page(request, plan, sides, None, None, asked, status=400)
    new = sides.find(asked.cleaned_data["to"])
    if new is None and sides.versions:
        new = _version_side(sides.versions[-1])
    old = sides.find(asked.cleaned_data["from"]) or (sides.before(new) if new else None)
    return _diff_page(request, plan, sides, old, new, asked)


@login_required
def draft_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft against the version it started from."""
    draft = draft_of(request, pk)
    sides = _Sides(request, draft.plan)
    new = _draft_side(draft)
    return _diff_page(request, draft.plan, sides, sides.before(new), new, DiffAsked({}), draft=draft)


def _diff_page(request: HttpRequest, plan: Plan, sides: _Sides, old: Side | None, new: Side | None,
               asked: DiffAsked, status: int = 200, draft: PlanDraft | None = None) -> HttpResponse:
    comparison = compare(old.document, new.document, plan.role) if old and new else None
    return render(request, "studio/version_diff.html", {
        "plan": plan, "old": old, "new": new, "comparison": comparison, "choices": sides.choices(),
        "asked": asked, "draft": draft,
    }, status=status)
