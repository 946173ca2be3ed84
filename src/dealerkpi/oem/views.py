"""The manufacturer's policy in the browser (商务政策与返利): a store's month under its brand's policy with the
rebate to date and projected, the quarter, what one more retail sale of each model adds, and the manufacturer's
targets and scores to enter; head office's table of its stores; the policy's versions and publishing a new one.
docs/oem.md."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealerkpi.catalog.models import Brand, VehicleModel
from dealerkpi.core.forms import asked, asked_wrongly
from dealerkpi.core.pages import refuse_unless
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.models import Store
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.plans import engine
from dealerkpi.plans.wording import LINE_CATEGORIES, ShownWarning, worded, worded_warning

from .figures import figure_labels
from .forms import PolicyForm, ScoreForm, TargetForm
from .models import CommercialPolicy, ManufacturerScore, ManufacturerTarget
from .policy import Standing, one_more_sale, policies_in_force, read_policy, scored_items, standings, targets_named

NOT_FOR_YOU = "The manufacturer's policy and rebates are for the store's management, finance and head office."


def _month(request: HttpRequest, today: datetime.date) -> engine.Period:
    """``?month=YYYY-MM``, never after this month; this month when missing or not a month."""
    first = min(asked(request, "month") or today, today)
    return engine.Period(first.year, first.month)


def _store(request: HttpRequest, viewer: Viewer) -> Store:
    if asked_wrongly(request, "store"):
        raise Http404("a store is asked for by its id")
    return chosen_store(request, viewer)


Page = Callable[[HttpRequest, Viewer, Store, engine.Period], HttpResponse]


def policy_view(view: Page) -> Callable[[HttpRequest], HttpResponse]:
    """Refuse those the policy is not for; find the store (404 outside the viewer's reach) and the month."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        refuse_unless(request.user.has_perm("oem.view_policy"), _(NOT_FOR_YOU))
        viewer = viewer_of(request)
        store = _store(request, viewer)
        return view(request, viewer, store, _month(request, timezone.localdate()))

    return wrapped


@dataclass(frozen=True)
class ShownLine:
    label: str
    category: str
    amount: Decimal


REBATE_KINDS = {  # a policy's line categories in a manufacturer's words, not a payslip's
    "commission": gettext_lazy("Rebate on units"),
    "bonus": gettext_lazy("Scorecard rebate"),
    "quarterly_bonus": gettext_lazy("Quarterly rebate"),
    "annual_bonus": gettext_lazy("Annual rebate"),
    "fine": gettext_lazy("Deduction"),
}


def shown_lines(result: engine.PersonResult) -> list[ShownLine]:
    """The result's lines in the reader's language: the policy's labels, the engine's own texts worded."""
    kinds = {**LINE_CATEGORIES, **REBATE_KINDS}
    return [ShownLine(worded(asdict(line.wording) if line.wording else None, line.label),
                      str(kinds.get(line.category, line.category)), line.amount) for line in result.lines]


def shown_warnings(result: engine.PersonResult) -> list[ShownWarning]:
    return [worded_warning(asdict(warning)) for warning in result.warnings]


def _entered(store: Store, period: engine.Period) -> tuple[list[ManufacturerTarget], list[ManufacturerScore]]:
    month = {"store": store, "month": period.first_day}
    return (list(ManufacturerTarget.objects.filter(**month).order_by("figure")),
            list(ManufacturerScore.objects.filter(**month).order_by("item")))


def _page(request: HttpRequest, viewer: Viewer, store: Store, period: engine.Period, status: int = 200,
          **forms_given: forms.Form) -> HttpResponse:
    today = timezone.localdate()
    standing: Standing | None = standings([Store.objects.select_related("region").get(pk=store.pk)], period,
                                          today).get(store.pk)
    context = store_context(viewer, store, period=period, standing=standing, today=today,
                            month_value=f"{period.first_day:%Y-%m}")
    if standing is not None:
        plan = standing.assessment.plans[period]
        figures, items = targets_named(plan), scored_items(plan)
        targets, scores = _entered(store, period)
        labels = figure_labels([*figures, *(t.figure for t in targets)])
        context.update(
            lines=shown_lines(standing.month.result), warnings=shown_warnings(standing.month.result),
            targets=[(labels.get(t.figure, t.figure), t) for t in targets],
            scores=[(next((i.label for i in items if i.id == score.item), score.item), score) for score in scores],
            one_more=one_more_sale(standing, list(VehicleModel.objects.filter(brand_id=store.brand_id)
                                                  .order_by("code"))),
        )
        if request.user.has_perm("oem.enter_assessment", store):
            context["target_form"] = forms_given.get("target_form") or TargetForm(figures=figures)
            context["score_form"] = forms_given.get("score_form") or (ScoreForm(items=items) if items else None)
    return render(request, "oem/policy.html", context, status=status)


@require_GET
@policy_view
def policy_page(request: HttpRequest, viewer: Viewer, store: Store, period: engine.Period) -> HttpResponse:
    return _page(request, viewer, store, period)


def _back(request: HttpRequest, store: Store, period: engine.Period) -> HttpResponse:
    return redirect(f"{reverse('oem-policy')}?store={store.pk}&month={period.first_day:%Y-%m}")


def _policy_of(store: Store, period: engine.Period) -> engine.Plan:
    version = policies_in_force(store.region.group_id, store.brand_id, [period]).get(period) \
        if store.brand_id else None
    if version is None:
        raise Http404("no policy in force")
    return read_policy(version.document)


@require_POST
@policy_view
def policy_target(request: HttpRequest, viewer: Viewer, store: Store, period: engine.Period) -> HttpResponse:
    refuse_unless(request.user.has_perm("oem.enter_assessment", store), _(NOT_FOR_YOU))
    form = TargetForm(request.POST, figures=targets_named(_policy_of(store, period)))
    if not form.is_valid():
        return _page(request, viewer, store, period, 400, target_form=form)
    with transaction.atomic():
        ManufacturerTarget.objects.update_or_create(store=store, month=period.first_day,
                                                    figure=form.cleaned_data["figure"],
                                                    defaults={"value": form.cleaned_data["value"]})
    messages.success(request, _("The manufacturer's target is saved."))
    return _back(request, store, period)


@require_POST
@policy_view
def policy_score(request: HttpRequest, viewer: Viewer, store: Store, period: engine.Period) -> HttpResponse:
    refuse_unless(request.user.has_perm("oem.enter_assessment", store), _(NOT_FOR_YOU))
    form = ScoreForm(request.POST, items=scored_items(_policy_of(store, period)))
    if not form.is_valid():
        return _page(request, viewer, store, period, 400, score_form=form)
    with transaction.atomic():
        ManufacturerScore.objects.update_or_create(
            store=store, month=period.first_day, item=form.cleaned_data["item"],
            defaults={"value": form.cleaned_data["value"], "comment": form.cleaned_data["comment"]})
    messages.success(request, _("The manufacturer's score is saved."))
    return _back(request, store, period)


# --- head office ----------------------------------------------------------------------------------------------

SORTS = {
    "store": lambda s: s.assessment.store.code,
    "to_date": lambda s: -(s.to_date or s.month).rebate,
    "month": lambda s: -s.month.rebate,
    "quarter": lambda s: -s.quarter_rebate,
    "score": lambda s: -(s.month.result.total_score or 0),
}


class SortForm(forms.Form):
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)


@login_required
@require_GET
def policy_stores(request: HttpRequest) -> HttpResponse:
    """Every store the viewer may see under its brand's policy, for the month: sortable."""
    refuse_unless(request.user.has_perm("oem.view_policy"), _(NOT_FOR_YOU))
    viewer = viewer_of(request)
    today = timezone.localdate()
    period = _month(request, today)
    stores = list(visible_to(Store.objects.select_related("region", "brand"), viewer).order_by("code"))
    found = standings(stores, period, today)
    sort = SortForm(request.GET)
    key = sort.cleaned_data.get("sort") if sort.is_valid() else ""
    rows = sorted(found.values(), key=SORTS[key or "store"])
    without = [store for store in stores if store.pk not in found]
    return render(request, "oem/stores.html", {"rows": rows, "without": without, "period": period,
                                              "month_value": f"{period.first_day:%Y-%m}", "sort": key or "store"})


# --- the policy's versions ---------------------------------------------------------------------------------------


def _franchises(viewer: Viewer) -> dict[int, int]:
    """The brands of the stores the viewer may see, each with its group: brand id -> group id."""
    stores = visible_to(Store.objects.filter(brand__isnull=False), viewer).order_by("region__group_id")
    return dict(stores.values_list("brand_id", "region__group_id").distinct())


def _brand(request: HttpRequest, franchises: dict[int, int]) -> Brand:
    """The brand asked for (``?brand=``) among those of the stores the viewer may see; else the first."""
    brands = Brand.objects.filter(pk__in=franchises).order_by("code")
    form = forms.Form(request.GET)
    form.fields["brand"] = forms.ModelChoiceField(brands, required=False)
    if not form.is_valid():
        raise Http404("no such brand")
    brand = form.cleaned_data["brand"] or brands.first()
    if brand is None:
        raise Http404("no brand")
    return brand


@login_required
@require_http_methods(["GET", "POST"])
def policy_versions(request: HttpRequest) -> HttpResponse:
    """A brand's policy versions in the viewer's group; head office publishes the next one."""
    refuse_unless(request.user.has_perm("oem.view_policy"), _(NOT_FOR_YOU))
    franchises = _franchises(viewer_of(request))
    brand = _brand(request, franchises)
    versions = CommercialPolicy.objects.filter(group_id=franchises[brand.pk], brand=brand).select_related(
        "published_by__staff")
    form = None
    if request.user.has_perm("oem.publish_policy"):
        latest = versions.first()
        form = PolicyForm(request.POST if request.method == "POST" else None, latest=latest,
                          initial={"document": latest.document} if latest else None)
    if request.method == "POST":
        refuse_unless(form is not None, _("A new version of the policy is published by the group's head office."))
        if form.is_valid() and _published(request, franchises[brand.pk], brand, form):
            return redirect(f"{reverse('oem-policy-versions')}?brand={brand.pk}")
    return render(request, "oem/versions.html", {
        "brand": brand, "brands": Brand.objects.filter(pk__in=franchises).order_by("code"), "versions": versions,
        "form": form,
    }, status=400 if form is not None and form.errors else 200)


def _published(request: HttpRequest, group_id: int, brand: Brand, form: PolicyForm) -> bool:
    """Publish the form's version, unless another came into force from a later month meanwhile."""
    with transaction.atomic():
        latest = CommercialPolicy.objects.select_for_update().filter(group_id=group_id, brand=brand).first()
        if latest is not None and form.cleaned_data["valid_from"] <= latest.valid_from:
            form.add_error("valid_from", _("Another version was published meanwhile; read it first."))
            return False
        CommercialPolicy.objects.create(group_id=group_id, brand=brand, valid_from=form.cleaned_data["valid_from"],
                                        document=form.cleaned_data["document"], note=form.cleaned_data["note"],
                                        published_by=request.user)
    messages.success(request, _("The new version of the policy is published."))
    return True


@login_required
@require_GET
def policy_document(request: HttpRequest, pk: int) -> HttpResponse:
    refuse_unless(request.user.has_perm("oem.view_policy"), _(NOT_FOR_YOU))
    version = get_object_or_404(CommercialPolicy, pk=pk)
    if _franchises(viewer_of(request)).get(version.brand_id) != version.group_id:
        raise Http404("no such policy")
    return render(request, "oem/document.html", {"version": version})
