"""Bonus runs in the browser: start a run and watch it compute, enter ratings and adjustments, submit,
approve, lock; statements that explain every figure; queries on statement lines."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealerkpi import metrics
from dealerkpi.core.once import save_once
from dealerkpi.core.registry import browse_entry
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.core.tables import table_class
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.scope import viewer_of
from dealerkpi.pay import runs, workflow
from dealerkpi.pay.earnings import earnings_to_date
from dealerkpi.pay.explain import Wordbook, plan_stage_words
from dealerkpi.pay.forms import AdjustmentForm, AnswerForm, NewRunForm, QueryForm, RatingForm, Scale, Scales
from dealerkpi.pay.inputs import engine_plan_of, plans_in_force_by_store
from dealerkpi.pay.models import (
    Adjustment,
    ManualRating,
    Run,
    Statement,
    StatementLine,
    StatementQuery,
    with_payout,
)
from dealerkpi.pay.tasks import compute_run
from dealerkpi.pay.visibility import visible_runs, visible_statements
from dealerkpi.plans.engine.schema import Manual
from dealerkpi.plans.models import PlanConfirmation
from dealerkpi.plans.wording import worded
from dealerkpi.sales.models import Spiff


def _run_for(request: HttpRequest, pk: int) -> tuple[Run, Viewer]:
    viewer = viewer_of(request)
    return get_object_or_404(visible_runs(viewer), pk=pk), viewer


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    if not request.user.has_perm("pay.view_run"):
        return redirect("my-statements")
    form = NewRunForm(request.POST or None)
    stores = visible_to(Store.objects.all(), viewer)
    may_start = request.user.has_perm("pay.add_run")
    if request.method == "POST":
        if not may_start:
            raise PermissionDenied
        if form.is_valid():
            store = get_object_or_404(stores, pk=viewer.store_id) if viewer.store_id else stores.first()
            if store is None:
                raise Http404
            return redirect(start_run(request, store, form.cleaned_data["month"]))
    runs.give_up_stalled(Run.objects.filter(pk__in=visible_runs(viewer).values("pk")))
    listed = with_payout(visible_runs(viewer))
    return render(request, "pay/run_list.html", {"runs": listed[:100], "form": form, "may_start": may_start})


def start_run(request: HttpRequest, store: Store, period: object) -> Run:
    run = runs.new_run(store, period, request.user)  # type: ignore[arg-type]
    transaction.on_commit(lambda: compute_run(run.pk, run.created_by_id))  # the job acts as who started it
    messages.info(request, _("The run is computing; this page shows its progress."))
    return run


# What a run's page shows of its statements: read whole for each person, they were most of the page's work.
ON_THE_RUN_PAGE = ("run_id", "staff_id", "total", "total_score", "warnings", "error", "staff__name", "team__name",
                   "plan_version__plan__role")


def _summary(run: Run, viewer: Viewer) -> QuerySet[Statement]:
    shown = visible_statements(viewer).select_related(None).select_related("staff", "team", "plan_version__plan")
    return shown.filter(run=run).only(*ON_THE_RUN_PAGE).annotate(
        open_queries=Count("queries", filter=Q(queries__status=StatementQuery.Status.OPEN))
    ).order_by("-total")


def _mark_changes(run: Run, statements: list[Statement]) -> None:
    """Person by person: the change of total against the previous version of the run (None: new person)."""
    if run.previous_id is None:
        return
    before = dict(Statement.objects.filter(run_id=run.previous_id).values_list("staff_id", "total"))
    for statement in statements:
        statement.change = statement.total - before[statement.staff_id] if statement.staff_id in before else None


def _given_up_if_stalled(run: Run) -> None:
    """A queued or computing run whose job shows no progress is failed now, before it is shown."""
    if run.is_busy and runs.give_up_stalled(Run.objects.filter(pk=run.pk)):
        run.refresh_from_db()


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run, viewer = _run_for(request, pk)
    _given_up_if_stalled(run)
    statements = list(_summary(run, viewer))
    return render(request, "pay/run_detail.html", {
        "run": run, "statements": statements, "parts": run_page_parts(run, viewer, statements),
        "open_queries": workflow.open_queries(run), "busy": run.is_busy,
    })


def run_page_parts(run: Run, viewer: Viewer, statements: list[Statement]) -> dict[str, str]:
    """The parts of the run page that follow from the statements it shows: their warnings, the spiffs they were
    paid, the ranking charts and the table of statements, in the reader's language.

    Statements never change once written, so these are rendered once for each run, language and set of statements
    shown with their open queries, and kept (``settings.CACHES["statements"]``, in each process): a reader shown
    other statements, or a query raised or answered, has them rendered anew. A person, team or spiff renamed since
    shows late, by at most the cache's timeout."""
    shown = repr([(statement.pk, statement.open_queries) for statement in statements]).encode()
    key = (f"run:{run.pk}:{run.created_at.timestamp()}:{get_language()}:"
           f"{hashlib.blake2b(shown, digest_size=16).hexdigest()}")
    parts = caches["statements"].get_or_set(key, lambda: _render_run_parts(run, viewer, statements))
    return {part: mark_safe(html) for part, html in parts.items()}  # our templates rendered them


def _render_run_parts(run: Run, viewer: Viewer, statements: list[Statement]) -> dict[str, str]:
    _mark_changes(run, statements)
    blocked = sum(statement.blocked for statement in statements)
    context = {
        "run": run, "statements": statements, "chart": ranking_chart(statements),
        "warnings": [(statement, said) for statement in statements for said in statement.shown_warnings],
        "blocked": workflow.blocked_message(blocked) if blocked else "", "spiffs": _spiffs_paid(run, viewer),
    }
    return {part: render_to_string(f"pay/_run_{part}.html", context) for part in ("warnings", "statements")}


def _spiffs_paid(run: Run, viewer: Viewer) -> list[dict[str, object]]:
    """What each spiff adds to the run's pay (of the statements the viewer sees), from its statement lines."""
    lines = StatementLine.objects.filter(statement__in=visible_statements(viewer).filter(run=run), kind="spiff")
    paid = list(lines.values("rule").annotate(amount=Sum("amount"), people=Count("statement")).order_by("rule"))
    titles = dict(Spiff.objects.filter(pk__in=[int(row["rule"]) for row in paid]).values_list("pk", "title"))
    return [{**row, "title": titles.get(int(row["rule"]), row["rule"])} for row in paid]


POLLED_FOR_AT_MOST = timedelta(hours=1)  # after the run was started; a run that stops progressing fails sooner
STOP_POLLING = 286  # htmx stops polling on this status


@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the run page polls while the run computes."""
    run, _viewer = _run_for(request, pk)
    _given_up_if_stalled(run)
    response = render(request, "pay/run_progress.html", {"run": run})
    if not run.is_busy:
        response["HX-Refresh"] = "true"  # done or failed: reload the page to show the statements or the reason
    elif timezone.now() - run.created_at > POLLED_FOR_AT_MOST:
        response.status_code = STOP_POLLING  # still computing after all that time: reloading the page checks again
    return response


def ranking_chart(statements: list[Statement]) -> dict[str, object]:
    """Data for the run page's charts: people ranked by payout and by score, and payouts in bands."""
    ranked = sorted(statements, key=lambda s: s.total, reverse=True)
    by_score = sorted((s for s in statements if s.total_score is not None), key=lambda s: s.total_score, reverse=True)
    band = 2000
    bands: dict[int, int] = {}
    for statement in statements:
        low = int(statement.total // band) * band
        bands[low] = bands.get(low, 0) + 1
    return {
        "names": [s.staff.name for s in ranked], "payouts": [str(s.total) for s in ranked],
        "score_names": [s.staff.name for s in by_score], "scores": [str(s.total_score) for s in by_score],
        "bands": [f"{low:,}–{low + band:,}" for low in sorted(bands)], "counts": [bands[low] for low in sorted(bands)],
        "labels": {"payout": _("Payout (yuan)"), "score": _("Total score"), "people": _("People"),
                   "ranking": _("Ranking by payout"), "distribution": _("Distribution of payouts")},
    }


ACTIONS = {
    "submit": workflow.submit, "approve": workflow.approve, "send_back": workflow.send_back, "lock": workflow.lock,
}


@require_POST
@login_required
def run_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    run, viewer = _run_for(request, pk)
    if action == "recompute":
        if not request.user.has_perm("pay.compute_run", run):
            raise PermissionDenied
        return redirect(start_run(request, run.store, runs.period_of(run)))
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](run, viewer, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(run)


def _staff_in_run(run: Run, viewer: Viewer) -> QuerySet[Staff]:
    return visible_to(Staff.objects.filter(statements__run=run), viewer).order_by("name")


@login_required
def run_inputs(request: HttpRequest, pk: int) -> HttpResponse:
    """Manual ratings (supervisors and managers) and adjustments (managers) of the run's month."""
    run, viewer = _run_for(request, pk)
    may_rate = request.user.has_perm("pay.rate_staff")
    may_adjust = request.user.has_perm("pay.compute_run", run)
    editable = run.status == Run.Status.DRAFT
    people = _staff_in_run(run, viewer)
    rating_form = RatingForm(request.POST if "rating" in request.POST else None, scales=rating_scales(run))
    adjustment_form = AdjustmentForm(request.POST if "adjustment" in request.POST else None)
    for form in (rating_form, adjustment_form):
        form.fields["staff"].queryset = people
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        rating = "rating" in request.POST
        actor = Staff.objects.get(pk=viewer.staff_id) if viewer.staff_id else None
        if not (may_rate if rating else may_adjust) or (actor is None and not request.user.is_superuser):
            raise PermissionDenied
        form = rating_form if rating else adjustment_form
        if form.is_valid() and _saved(request, run, form, actor):
            return redirect("run-inputs", pk=run.pk)
    ratings = visible_to(ManualRating.objects.filter(store=run.store, period=run.period), viewer).select_related(
        "staff", "rated_by")
    adjustments = visible_to(Adjustment.objects.filter(store=run.store, period=run.period), viewer).select_related(
        "staff", "created_by")
    return render(request, "pay/run_inputs.html", {
        "run": run, "rating_form": rating_form, "adjustment_form": adjustment_form, "ratings": ratings,
        "adjustments": adjustments, "may_rate": may_rate and editable, "may_adjust": may_adjust and editable,
    })


def rating_scales(run: Run) -> Scales:
    """Each person's indicators rated by hand, from the plan in force for their role (or for those of it on
    probation) in the run's month (their statement's plan when none is in force now)."""
    in_force = plans_in_force_by_store([run.store], runs.period_of(run))[run.store_id]
    scales: dict[int, dict[str, Scale]] = {}
    for statement in Statement.objects.filter(run=run).select_related("plan_version__plan"):
        version = statement.plan_version
        key = version.plan.key
        plan = in_force[key][1] if key in in_force else engine_plan_of(version)
        scales[statement.staff_id] = {indicator.id: Scale(indicator.label, indicator.scoring.maximum)
                                      for indicator in plan.indicators if isinstance(indicator.scoring, Manual)}
    return scales


def _saved(request: HttpRequest, run: Run, form: RatingForm | AdjustmentForm, actor: Staff | None) -> bool:
    """Save a valid rating or adjustment while the run is still a draft (checked again under its lock)."""
    try:
        with transaction.atomic():
            lock_draft(run)
            saved = rate(run, form, actor) if isinstance(form, RatingForm) else adjust(run, form, actor)
    except ValidationError as error:
        form.add_error(None, error)
        return False
    if saved:
        messages.success(request, _("Saved. Recompute the run to include it."))
    else:
        messages.info(request, _("This adjustment was saved already: the form was sent twice."))
    return True


def lock_draft(run: Run) -> None:
    if not Run.objects.select_for_update().filter(pk=run.pk, status=Run.Status.DRAFT).exists():
        raise ValidationError(_("The run is no longer a draft: its ratings and adjustments are closed."))


def rate(run: Run, form: RatingForm, actor: Staff | None) -> bool:
    """The person's rating of the indicator for the month, new or corrected (audited either way): always saved."""
    data = form.cleaned_data
    ManualRating.objects.update_or_create(
        staff=data["staff"], period=run.period, indicator=data["indicator"],
        defaults={"store": run.store, "value": data["value"], "comment": data["comment"], "rated_by": actor},
    )
    return True


def adjust(run: Run, form: AdjustmentForm, actor: Staff | None) -> bool:
    """A new adjustment of the month; False when this form was saved before (a double click)."""
    adjustment = form.save(commit=False)
    adjustment.store, adjustment.period, adjustment.created_by = run.store, run.period, actor
    return save_once(adjustment, form.cleaned_data["entry_token"])


@login_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    statement = get_object_or_404(visible_statements(viewer).select_related("run__store"), pk=pk)
    form = QueryForm(request.POST or None)
    may_query = request.user.has_perm("pay.query_statement", statement)
    if request.method == "POST":
        if not may_query:
            raise PermissionDenied
        if form.is_valid():
            query = form.save(commit=False)
            query.statement, query.raised_by_id = statement, viewer.staff_id
            query.line = statement.lines.filter(pk=_chosen(request, "line")).first()
            query.indicator = statement.indicators.filter(pk=_chosen(request, "indicator")).first()
            query.save()
            messages.success(request, _("Your question was sent to the sales manager."))
            return redirect("statement-detail", pk=statement.pk)
    queries = list(statement.queries.select_related("raised_by", "answered_by", "line", "indicator"))
    if any(query.line_id for query in queries):
        labels = {shown_line.line.pk: shown_line.label for shown_line in Wordbook([statement]).statement(
            statement).lines}
        for query in queries:
            query.line_label = labels.get(query.line_id, "")
    confirmation = PlanConfirmation.objects.filter(plan_version_id=statement.plan_version_id,
                                                   staff_id=statement.staff_id).first()
    return render(request, "pay/statement_detail.html", {
        "statement": statement, "body": statement_body(statement, may_query), "heading": plan_stage_words(statement),
        "queries": queries, "confirmation": confirmation, "form": form, "may_query": may_query,
    })


def statement_body(statement: Statement, may_query: bool) -> str:
    """The statement's warnings, scorecard, gates and pay lines as its page shows them, in the reader's language.

    A statement never changes once its run wrote it (computing again writes a new version of the run), so these
    are put in words and rendered once and kept (``settings.CACHES["statements"]``, in each process): they are
    most of the page's work. Only a vehicle model renamed since shows late, by at most the cache's timeout."""
    key = (f"statement:{statement.pk}:{statement.run.created_at.timestamp()}:{get_language()}:"
           f"{'query' if may_query else 'read'}")
    body = caches["statements"].get_or_set(key, lambda: _render_statement_body(statement, may_query))
    return mark_safe(body)  # our template rendered it


def _render_statement_body(statement: Statement, may_query: bool) -> str:
    prefetch_related_objects([statement], "lines", "indicators")
    return render_to_string("pay/_statement_body.html", {
        "statement": statement, "shown": Wordbook([statement]).statement(statement), "may_query": may_query})


def _chosen(request: HttpRequest, name: str) -> int:
    """The id a form names in ``name``; 0 (none) for anything else."""
    value = request.POST.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


@login_required
def my_statements(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    statements = visible_statements(viewer).filter(staff_id=viewer.staff_id).order_by("-run__period")
    return render(request, "pay/my_statements.html", {"statements": statements})


@login_required
def my_earnings(request: HttpRequest) -> HttpResponse:
    """What I have earned so far this month under my plan, from live records."""
    viewer = viewer_of(request)
    staff = Staff.objects.select_related("store__region").filter(pk=viewer.staff_id).first()
    if staff is None or staff.store is None:
        raise Http404
    earnings = earnings_to_date(staff, timezone.localdate())
    lines = [(worded(runs.stored_wording(line.wording), line.label), line.amount)
             for line in (earnings.now.result.lines if earnings else ())]
    return render(request, "pay/my_earnings.html", {"earnings": earnings, "lines": lines})


@login_required
def query_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    queries = visible_to(StatementQuery.objects.select_related(
        "statement__staff", "statement__run", "raised_by", "line", "indicator"), viewer)
    return render(request, "pay/query_list.html", {"queries": queries.order_by("status", "-raised_at")[:200]})


@login_required
def query_answer(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    query = get_object_or_404(visible_to(StatementQuery.objects.select_related("statement__run"), viewer), pk=pk)
    if not request.user.has_perm("pay.answer_query", query):
        raise PermissionDenied
    if query.status != StatementQuery.Status.OPEN:
        return _back_to_queries(request, ANSWERED)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answer_query(query, viewer, form.cleaned_data)
        except ValidationError as error:  # answered meanwhile, by a second click or someone else
            return _back_to_queries(request, " ".join(error.messages))
        messages.success(request, _("Answered."))
        return redirect("query-list")
    return render(request, "pay/query_answer.html", {"query": query, "form": form})


ANSWERED = gettext_lazy("This query has been answered already; its answer is in the list.")


def _back_to_queries(request: HttpRequest, message: str) -> HttpResponse:
    messages.info(request, message)
    return redirect("query-list")


@transaction.atomic
def answer_query(query: StatementQuery, viewer: Viewer, data: dict) -> None:
    """An accepted query becomes an audited adjustment of the person's pay for that month. The query is locked and
    checked open again here, so two answers at once (a double click, two managers) pay once; the adjustment names
    its query, uniquely."""
    query = StatementQuery.objects.select_for_update().select_related("statement__run").get(pk=query.pk)
    if query.status != StatementQuery.Status.OPEN:
        raise ValidationError(ANSWERED)
    query.status, query.answer = data["decision"], data["answer"]
    query.answered_by_id, query.answered_at = viewer.staff_id, timezone.now()
    query.save()
    if query.status == StatementQuery.Status.ACCEPTED:
        statement = query.statement
        Adjustment.objects.create(
            store_id=statement.store_id, period=statement.run.period, staff_id=statement.staff_id,
            amount=data["amount"], reason=_("Query accepted: %(answer)s") % {"answer": data["answer"][:250]},
            created_by_id=viewer.staff_id, query=query,
        )


@login_required
def statement_records(request: HttpRequest, pk: int, indicator: str) -> HttpResponse:
    """The records behind one figure of a statement (e.g. the deliveries that made "units delivered")."""
    viewer = viewer_of(request)
    statement = get_object_or_404(visible_statements(viewer), pk=pk)
    line = get_object_or_404(statement.indicators, code=indicator)
    if not line.metric:
        raise Http404
    return _records_behind(request, viewer, statement, line.metric, {"label": line.label, "actual": line.actual})


@login_required
def statement_figure_records(request: HttpRequest, pk: int, metric: str) -> HttpResponse:
    """The records behind a figure a pay line was computed from (the days late behind a fine for lateness)."""
    viewer = viewer_of(request)
    statement = get_object_or_404(visible_statements(viewer), pk=pk)
    used = next((figure for line in statement.lines.all() for figure in line.figures if figure.name == metric), None)
    if used is None:
        raise Http404
    return _records_behind(request, viewer, statement, metric, {"label": used.label, "actual": used.value})


def _records_behind(request: HttpRequest, viewer: Viewer, statement: Statement, metric: str,
                    figure: dict[str, object]) -> HttpResponse:
    behind = metrics.records(metric, [statement.store_id], runs.period_of(statement.run), statement.staff_id)
    unrecorded = next((found for found in behind.sets[1:] if found.label == metrics.UNRECORDED_LEAVERS), None)
    return render(request, "pay/statement_records.html", {
        "statement": statement, "indicator": figure, "entry": browse_entry(behind.slug),
        "table": _table(behind[0], viewer), "count": behind.records.count(),
        "unrecorded": unrecorded and _table(unrecorded, viewer),
    })


def _table(found: metrics.RecordSet, viewer: Viewer) -> object:
    """Records behind a figure as their browse page draws them."""
    entry = browse_entry(found.slug)
    return table_class(entry, viewer)(found.records.select_related(*entry.select_related))
