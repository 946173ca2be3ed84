"""A draft's preview on one person and month: their result under the draft beside what the version in force paid,
each said in words as their statement says it (``pay.explain``). An HTML fragment the editor loads with htmx:

    GET /studio/drafts/<pk>/preview/?staff=<id>&month=YYYY-MM

The person is one the plan's role assesses that month in a store the reader may try the draft on
(``whatif.scopes``). Their month is replayed alone (``studio.replay``): with the history the final runs left, not
the draft's earlier months. The paid side is the person's statement of the month's final run, as stored; without
one, the version in force evaluated on the same figures. Nothing is written to runs or statements.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealerkpi.core.forms import MonthField, RecordIdField
from dealerkpi.core.money import ZERO
from dealerkpi.org.models import RoleAssignment, Store
from dealerkpi.org.scope import viewer_of
from dealerkpi.pay.explain import ShownStatement, Wordbook
from dealerkpi.pay.inputs import FINAL, Member
from dealerkpi.pay.models import Run, Statement, StatementIndicator, StatementLine
from dealerkpi.pay.runs import Evaluated, indicator_metrics, indicator_rows, line_rows, statement_row
from dealerkpi.plans import engine
from dealerkpi.plans.models import PlanVersion, parse_plan_document
from dealerkpi.studio.models import PlanDraft
from dealerkpi.studio.replay import PersonMonth, replay
from dealerkpi.studio.views import draft_of
from dealerkpi.studio.whatif import scopes


class PreviewForm(forms.Form):
    staff = RecordIdField(label=gettext_lazy("Person"))
    month = MonthField(label=gettext_lazy("Month"))


def _store_of(staff_id: int, period: engine.Period, role: str, stores: Sequence[Store]) -> Store | None:
    """The store among ``stores`` where the person last held the role during the month."""
    held = (RoleAssignment.objects.filter(staff_id=staff_id, role=role, store__in=stores,
                                          valid_from__lte=period.last_day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.first_day))
            .order_by("-valid_from").values_list("store_id", flat=True).first())
    return next((store for store in stores if store.pk == held), None)


def _held(rows: Sequence[Model], model: type[Model]) -> QuerySet:
    """Rows as a queryset already read: what a prefetch leaves behind."""
    held = model._default_manager.none()
    held._result_cache, held._prefetch_done = list(rows), True  # type: ignore[attr-defined]
    return held


def unsaved_statement(store: Store, period: engine.Period, version: PlanVersion, result: engine.PersonResult,
                      month: engine.MonthRecord) -> Statement:
    """The statement a run would write for the result, never saved, with its lines and indicators held as if
    prefetched so that the wordbook reads it as it reads a stored one. Django asks a related manager for a primary
    key even when the rows are prefetched: the statement is given 0, which no row has (ids start at 1)."""
    member = Member(int(result.person), result.name, "", None, None, 0)
    item = Evaluated(member, version, result, (), month)
    statement = Statement(**statement_row(Run(store=store, period=period.first_day), item))
    statement.plan_version, statement.pk = version, 0
    statement._prefetched_objects_cache = {  # type: ignore[attr-defined]
        "lines": _held([StatementLine(**row) for row in line_rows(0, item)], StatementLine),
        "indicators": _held([StatementIndicator(**row)
                             for row in indicator_rows(0, result, indicator_metrics(version, {}))],
                            StatementIndicator),
    }
    return statement


def _paid_statement(store: Store, period: engine.Period, staff_id: int, role: str) -> Statement | None:
    run = Run.objects.filter(store=store, period=period.first_day, status__in=FINAL).order_by("-number").first()
    if run is None:
        return None
    return (Statement.objects.filter(run=run, staff_id=staff_id, plan_version__plan__role=role)
            .select_related("plan_version__plan").prefetch_related("lines", "indicators").first())


def _sides(draft: PlanDraft, store: Store, period: engine.Period, person: PersonMonth) -> tuple[
        Statement | None, Statement | None]:
    plan = draft.plan
    old = _paid_statement(store, period, person.staff_id, plan.role)
    if old is None and person.old is not None:
        version = plan.version_in_force(period.first_day)
        old = unsaved_statement(store, period, version, person.old, person.month) if version else None
    new = None
    if person.new is not None:
        version = PlanVersion(plan=plan, number=0, document=draft.document, effective_from=draft.effective_from)
        new = unsaved_statement(store, period, version, person.new, person.month)
    return old, new


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    draft = draft_of(request, pk)
    form = PreviewForm(request.GET)
    context: dict[str, object] = {"draft": draft, "form": form}
    if form.is_valid():
        context.update(_previewed(request, draft, form))
    return render(request, "studio/_preview.html", context)


def _previewed(request: HttpRequest, draft: PlanDraft, form: PreviewForm) -> dict[str, object]:
    staff_id, first = form.cleaned_data["staff"], form.cleaned_data["month"]
    period = engine.Period(first.year, first.month)
    stores = sorted({store for scope in scopes(viewer_of(request), draft.plan).values() for store in scope.stores},
                    key=lambda store: store.code)
    store = _store_of(staff_id, period, draft.plan.role, stores)
    if store is None:
        return {"problems": [_("This person is not assessed under this plan in that month in a store you see.")]}
    try:
        found = replay(draft.plan, parse_plan_document(draft.document), [store], [period])
    except ValidationError as invalid:
        return {"problems": invalid.messages}
    person = next((row for row in found if row.staff_id == staff_id), None)
    if person is None:
        return {"problems": [_("This person is not assessed under this plan in that month in a store you see.")]}
    old, new = _sides(draft, store, period, person)
    book = Wordbook([statement for statement in (old, new) if statement is not None])
    paid = _("Paid (approved run)") if old is not None and old.run_id else _("Version in force")
    return {"person": person, "store": store, "period": period, "old": old, "new": new,
            "change": (new.total if new else ZERO) - (old.total if old else ZERO),
            "sides": [(paid, old, _shown(book, old), "old"), (_("Draft"), new, _shown(book, new), "new")]}


def _shown(book: Wordbook, statement: Statement | None) -> ShownStatement | None:
    return book.statement(statement) if statement is not None else None
