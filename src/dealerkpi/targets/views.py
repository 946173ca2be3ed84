"""Target pages: the month's targets and split, the split form, the import and the annual targets.

Every query goes through the viewer's data scope. Pages outside the scope answer 404; a change by
someone who may only read answers 403. Changes are POST only (with CSRF) and audited.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dealerkpi.core.forms import asked
from dealerkpi.core.money import ZERO
from dealerkpi.core.pages import refuse_unless
from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.roles import SALES_FORCE
from dealerkpi.org.scope import viewer_of
from dealerkpi.plans.metric_labels import Labelled, labelled
from dealerkpi.targets.forms import (
    AnnualTargetForm,
    ImportForm,
    RemoveAnnualTargetForm,
    SalesPlanForm,
    SeasonalDistributionForm,
    SetTargetForm,
    SplitForm,
    SplitPickerForm,
)
from dealerkpi.targets.models import (
    MONTHS,
    AnnualTarget,
    SeasonalDistribution,
    Target,
    metric_of,
    metric_problem,
    plain,
)
from dealerkpi.targets.sales_plan import (
    STAGES,
    SalesPlan,
    plan_changes,
    sales_plan,
    save_plan,
    stage_labels,
)
from dealerkpi.targets.services import (
    SHARES,
    generate_monthly,
    import_split,
    import_template,
    is_additive,
    metric_sort_key,
    monthly_values,
    save_split,
    set_annual_target,
    set_distribution,
    set_target,
    show,
    split_people,
    split_status,
    split_statuses,
    team_of_people,
    visible_stores,
    visible_targets,
)

# --- shared -------------------------------------------------------------------------------------------------


def _store(request: HttpRequest, viewer: Viewer) -> Store:
    """The store asked for (``?store=``) among those the viewer may see, else their own, else the first."""
    stores = visible_stores(viewer)
    store_id = asked(request, "store")
    if store_id is not None:
        return get_object_or_404(stores, pk=store_id)
    if viewer.store_id:
        return get_object_or_404(stores, pk=viewer.store_id)
    store = stores.first()
    if store is None:
        raise Http404("no store")
    return store


def _month(request: HttpRequest) -> datetime.date:
    """``?month=YYYY-MM`` (core.forms.Asked: from 2000 to 2100), else this month."""
    return asked(request, "month") or timezone.localdate().replace(day=1)


def _year(request: HttpRequest) -> int:
    """``?year=`` (core.forms.Asked: from 2000 to 2100), else this year."""
    return asked(request, "year") or timezone.localdate().year


def _url(name: str, **params: object) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _month_url(store: Store, month: datetime.date) -> str:
    return _url("targets-month", store=store.pk, month=f"{month:%Y-%m}")


def _label(metric: str) -> str:
    """A metric as a message names it: 分车型交车台数 · S7."""
    return labelled([metric])[metric].label


def _context(request: HttpRequest, viewer: Viewer, store: Store, **extra: object) -> dict[str, object]:
    return {
        "store": store,
        "stores": visible_stores(viewer) if viewer.reach in (Reach.EVERYTHING, Reach.GROUP, Reach.REGION) else [],
        "may_edit": request.user.has_perm("targets.change_target", store),
        "may_read_store": request.user.has_perm("targets.view_store_targets"),
        **extra,
    }


def _form_errors_from(form: Form, error: ValidationError) -> None:
    """A model's ValidationError onto the form: field errors where the form has the field, else at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _edit_check(request: HttpRequest, store: Store) -> None:
    refuse_unless(request.user.has_perm("targets.change_target", store),
                  _("Only the store's sales manager or deputy, and head office, change targets."))


# --- the month ----------------------------------------------------------------------------------------------


@dataclass
class Column:
    metric: str
    name: Labelled
    additive: bool
    store_target: Decimal | None = None
    total: Decimal = ZERO
    remaining: Decimal | None = None


@login_required
@require_http_methods(["GET", "POST"])
def month_view(request: HttpRequest) -> HttpResponse:
    """The month's targets: store level with what is allocated and remains, teams, and each person."""
    viewer = viewer_of(request)
    store, month = _store(request, viewer), _month(request)
    form = SetTargetForm(request.POST or None, store=store)
    if request.method == "POST":
        _edit_check(request, store)
        if form.is_valid():
            data = form.cleaned_data
            try:
                set_target(store, month, data["metric"], data["value"], team=data["team"], user=request.user)
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, _("Saved the target for %(metric)s.") % {"metric": _label(data["metric"])})
                return HttpResponseRedirect(_month_url(store, month))

    rows = list(visible_targets(viewer).filter(store=store, month=month).values_list(
        "team_id", "staff_id", "metric", "value"))
    by_person: dict[int, dict[str, Decimal]] = {}
    by_team: dict[int, dict[str, Decimal]] = {}
    for team_id, staff_id, metric, value in rows:
        if staff_id:
            by_person.setdefault(staff_id, {})[metric] = value
        elif team_id:
            by_team.setdefault(team_id, {})[metric] = value
    statuses = split_statuses(store, month) if request.user.has_perm("targets.view_store_targets") else []
    names = sorted({metric for *_ignored, metric, _v in rows} | {s.metric for s in statuses}, key=metric_sort_key)
    status_of = {status.metric: status for status in statuses}
    shown = labelled(names)
    columns = [Column(name, shown[name], is_additive(name)) for name in names]
    candidates = Staff.objects.filter(Q(pk__in=split_people(store, month).values("pk")) | Q(pk__in=list(by_person)))
    people = list(visible_to(candidates, viewer).order_by("employee_no"))
    shares = [by_person.get(person.pk, {}) for person in people if person.role in SALES_FORCE]
    for column in columns:
        status = status_of.get(column.metric)
        if status is not None:
            column.store_target, column.remaining = status.store_target, status.remaining
        column.total = sum((values.get(column.metric, ZERO) for values in shares), ZERO)
    team_of = team_of_people(store, month)
    teams = {team.pk: team for team in store.teams.all()}
    person_rows = [
        (person, teams.get(team_of.get(person.pk)), [show(by_person.get(person.pk, {}).get(c.metric), c.metric)
                                                     for c in columns])
        for person in people
    ]
    team_rows = [(teams[team_id], [show(values.get(c.metric), c.metric) for c in columns])
                 for team_id, values in sorted(by_team.items(), key=lambda item: teams[item[0]].name)]
    return render(request, "targets/month.html", _context(
        request, viewer, store, month=month, form=form, columns=columns, person_rows=person_rows,
        team_rows=team_rows, statuses=[(s, shown[s.metric], show(s.store_target, s.metric),
                                        show(s.allocated, s.metric), show(s.remaining, s.metric)) for s in statuses],
        totals=[show(c.total, c.metric) if c.additive else "" for c in columns],
        remainders=[show(c.remaining, c.metric) if c.remaining is not None else "" for c in columns],
        own_only=viewer.reach is Reach.OWN,
        previous=(month - datetime.timedelta(days=1)).replace(day=1),
        following=(month + datetime.timedelta(days=32)).replace(day=1),
    ))


# --- the split form -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def split_view(request: HttpRequest) -> HttpResponse:
    """The manager enters each person's share of the store's target for one metric; the page shows the
    store target, the sum entered and what remains, live, and the server refuses more than the target."""
    viewer = viewer_of(request)
    store, month = _store(request, viewer), _month(request)
    _edit_check(request, store)
    metric = asked(request, "metric") or ""
    problem = metric_problem(metric) if metric else None
    context = _context(request, viewer, store, month=month, metric=metric, problem=problem,
                       picker=SplitPickerForm(initial={"metric": metric}, store=store),
                       shown=labelled([metric])[metric] if metric and problem is None else None)
    if not metric or problem is not None:
        if request.method == "POST":
            raise Http404("no metric")
        return render(request, "targets/split.html", context)
    if not is_additive(metric):
        context["not_additive"] = True
        if request.method == "POST":
            raise Http404("not additive")
        return render(request, "targets/split.html", context)

    status = split_status(store, month, metric)
    people = list(split_people(store, month))
    current = dict(Target.objects.filter(SHARES, store=store, month=month, metric=metric)
                   .values_list("staff_id", "value"))
    others = sum((value for staff_id, value in current.items() if staff_id not in {p.pk for p in people}), ZERO)
    initial = {SplitForm.field_name(p): plain(current[p.pk]) for p in people if p.pk in current}
    form = SplitForm(request.POST or None, initial=initial, people=people, status=status,
                     label=context["shown"].label, others=others)
    if request.method == "POST" and form.is_valid():
        try:
            save_split(store, month, metric, form.shares(), user=request.user)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Saved the split of %(metric)s for %(month)s.") % {
                "metric": context["shown"].label, "month": f"{month:%Y-%m}"})
            return HttpResponseRedirect(_month_url(store, month))
    entered = form.entered_total() if form.is_bound else status.allocated
    remaining = None if status.store_target is None else status.store_target - entered
    unit = metric_of(metric).unit  # type: ignore[union-attr]
    team_of = team_of_people(store, month)
    teams = {team.pk: team for team in store.teams.all()}
    context.update(
        form=form, status=status, rows=[(person, teams.get(team_of.get(person.pk)), field)
                                        for person, field in form.rows()],
        store_target=show(status.store_target, metric), entered=show(entered, metric),
        remaining=show(remaining, metric), over=remaining is not None and remaining < ZERO,
        others=others, others_shown=show(others, metric), decimals=2 if unit == "yuan" else 0,
        raw_target="" if status.store_target is None else str(status.store_target),
    )
    return render(request, "targets/split.html", context)


# --- the import ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload the split as .xlsx or .csv: every row valid and saved, or nothing saved and a report."""
    viewer = viewer_of(request)
    store, month = _store(request, viewer), _month(request)
    _edit_check(request, store)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_split(upload, store, month, user=request.user, name=upload.name)
        if result.ok:
            messages.success(request, _("Imported %(rows)s rows: %(saved)s targets set or changed.") % {
                "rows": result.rows, "saved": result.saved})
            return HttpResponseRedirect(_month_url(store, month))
    return render(request, "targets/import.html", _context(
        request, viewer, store, month=month, form=form, result=result,
    ))


@login_required
@require_GET
def import_template_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    store, month = _store(request, viewer), _month(request)
    _edit_check(request, store)
    response = HttpResponse(
        import_template(store, month),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="targets-{store.code}-{month:%Y-%m}.xlsx"'
    return response


# --- annual targets -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def annual_view(request: HttpRequest) -> HttpResponse:
    """Annual targets and the seasonal distribution; generating writes the store's monthly targets."""
    viewer = viewer_of(request)
    store, year = _store(request, viewer), _year(request)
    refuse_unless(request.user.has_perm("targets.view_store_targets"),
                  _("Annual targets are for the store's managers, HR, finance and head office."))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        _edit_check(request, store)
    distribution = visible_to(SeasonalDistribution.objects.all(), viewer).filter(store=store, year=year).first()
    if distribution is None:
        distribution = SeasonalDistribution.even(store, year)
    annual_form = AnnualTargetForm(request.POST if action == "annual" else None, store=store)
    distribution_form = SeasonalDistributionForm(request.POST if action == "distribution" else None,
                                                 instance=distribution, prefix="season")
    back = _url("targets-annual", store=store.pk, year=year)
    if action == "annual" and annual_form.is_valid():
        data = annual_form.cleaned_data
        try:
            set_annual_target(store, year, data["metric"], data["value"], user=request.user)
        except ValidationError as error:
            _form_errors_from(annual_form, error)
        else:
            messages.success(request, _("Saved the annual target for %(metric)s.") % {
                "metric": _label(data["metric"])})
            return HttpResponseRedirect(back)
    elif action == "distribution" and distribution_form.is_valid():
        set_distribution(distribution_form.instance, user=request.user)
        messages.success(request, _("Saved the seasonal distribution for %(year)s.") % {"year": year})
        return HttpResponseRedirect(back)
    elif action == "delete":
        removal = RemoveAnnualTargetForm(request.POST)
        if removal.is_valid():
            set_annual_target(store, year, removal.cleaned_data["metric"], None, user=request.user)
            messages.success(request, _("Removed the annual target for %(metric)s.") % {
                "metric": _label(removal.cleaned_data["metric"])})
        return HttpResponseRedirect(back)
    elif action == "generate":
        try:
            changed = generate_monthly(store, year, user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Wrote the monthly targets of %(year)s: %(n)s changed.") % {
                "year": year, "n": changed})
        return HttpResponseRedirect(back)

    annuals = sorted(visible_to(AnnualTarget.objects.all(), viewer).filter(store=store, year=year),
                     key=lambda a: metric_sort_key(a.metric))
    saved_distribution = distribution.pk is not None
    monthly: dict[str, list[str]] = {}
    for metric, month, value in Target.objects.filter(
        store=store, month__year=year, team__isnull=True, staff__isnull=True
    ).values_list("metric", "month", "value"):
        monthly.setdefault(metric, ["—"] * 12)[month.month - 1] = show(value, metric)
    shown = labelled([annual.metric for annual in annuals] + sorted(monthly, key=metric_sort_key))
    preview = []
    for annual in annuals:
        try:
            months = [show(v, annual.metric) for v in monthly_values(annual, distribution)]
        except ValueError:
            months = ["—"] * 12
        preview.append((annual, shown[annual.metric], show(annual.value, annual.metric), months))
    return render(request, "targets/annual.html", _context(
        request, viewer, store, year=year, annual_form=annual_form, distribution_form=distribution_form,
        saved_distribution=saved_distribution, preview=preview,
        monthly=[(shown[metric], monthly[metric]) for metric in sorted(monthly, key=metric_sort_key)],
        month_names=[datetime.date(year, m, 1) for m in MONTHS],
        month=datetime.date(year, 1, 1),
    ))


# --- the sales plan -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sales_plan_view(request: HttpRequest) -> HttpResponse:
    """The month's sales plan: delivery targets and the funnel worked back from the store's recent rates, the month
    so far against the plan's pace; the store's sales manager previews and saves a new delivery target, which
    writes the month's targets."""
    viewer = viewer_of(request)
    store, month = _store(request, viewer), _month(request)
    today = timezone.localdate()
    may_plan = request.user.has_perm("targets.change_sales_plan", store)
    form = SalesPlanForm(request.POST or None)
    deliveries, changes = None, None
    if request.method == "POST":
        refuse_unless(may_plan, _("Only the store's sales manager or deputy changes the sales plan."))
        if form.is_valid():
            deliveries = form.cleaned_data["deliveries"]
            if form.cleaned_data["action"] == "save":
                saved = save_plan(store, month, deliveries, today, user=request.user)
                messages.success(request, _("Saved the sales plan of %(month)s: %(n)s targets changed.") % {
                    "month": f"{month:%Y-%m}", "n": len(saved)})
                return HttpResponseRedirect(_url("targets-sales-plan", store=store.pk, month=f"{month:%Y-%m}"))
            changes = plan_changes(store, month, deliveries, today)
    plan = sales_plan(store, month, today, viewer, deliveries)
    if not form.is_bound:
        current = plan.lines[0].deliveries if plan.lines else None
        form = SalesPlanForm(initial={"deliveries": None if current is None else plain(current)})
    labels = stage_labels()
    return render(request, "targets/sales_plan.html", _context(
        request, viewer, store, month=month, plan=plan, form=form, may_plan=may_plan,
        changes=None if changes is None else [(change, show(change.before, change.metric),
                                               show(change.after, change.metric)) for change in changes],
        stages=[(stage, labels[stage]) for stage in STAGES], labels=labels,
        rates=[(labels[rate.earlier], labels[rate.later], rate) for rate in plan.basis.rates],
        chart=_plan_chart(plan, labels),
        previous=(month - datetime.timedelta(days=1)).replace(day=1),
        following=(month + datetime.timedelta(days=32)).replace(day=1),
    ))


def _plan_chart(plan: SalesPlan, labels: dict[str, str]) -> dict[str, object]:
    """What static/targets/sales_plan.js draws: each stage's cumulative plan and actual per day."""
    def numbers(values: list[Decimal | None]) -> list[str | None]:
        return [None if value is None else str(value) for value in values]

    return {
        "days": [f"{day:%m-%d}" for day in plan.days],
        "stages": [{"name": labels[stage], "plan": numbers(plan.pace[stage]),
                    "actual": numbers(plan.cumulative[stage])} for stage in STAGES],
        "labels": {"plan": _("plan (even pace)"), "actual": _("actual so far")},
    }
