"""The home page a user lands on: what their role needs first. Consultants: their day. The store's management and
head office: what needs them (web/steering.py): today, the month against target, the decisions waiting, alerts,
the daily report (head office: every store it reaches in one table, sorted by ``?sort=``). Everyone: the overdue
tasks handed down that they see (their own; the store's for its management). Then the month's funnel."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.metrics.now import Standing
from dealerkpi.org.models import Store
from dealerkpi.org.scope import viewer_of
from dealerkpi.tasks.models import Task
from dealerkpi.web import dashboard
from dealerkpi.web.steering import StoreSteer, steering, waiting

WIDE = (Reach.EVERYTHING, Reach.GROUP, Reach.REGION)
OVERDUE_TASKS_SHOWN = 10
NONE_LAST = Decimal("-1e12")  # a store without a value sorts after those with one
SORTS: dict[str, Callable[[StoreSteer], object]] = {
    "store": lambda line: line.store.code,
    "units": lambda line: -line.units,
    "completion": lambda line: -(line.completion if line.completion is not None else NONE_LAST),
    "projected": lambda line: -(line.projected_completion if line.projected_completion is not None else NONE_LAST),
    "orders": lambda line: -line.today["orders"],
    "alerts": lambda line: -line.alerts,
    "report": lambda line: line.report is not None,
}


SORT_COLUMNS = (("store", _("Store")), ("units", _("Deliveries / target")), ("completion", _("Completion")),
                ("projected", _("Projected completion")), ("orders", _("Orders today")), ("alerts", _("Alerts")),
                ("report", _("Daily report")))


class SortForm(forms.Form):
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)


def _sorted(request: HttpRequest, lines: list[StoreSteer]) -> tuple[list[StoreSteer], str]:
    form = SortForm(request.GET)
    key = (form.cleaned_data.get("sort") if form.is_valid() else "") or "store"
    return sorted(lines, key=lambda line: (SORTS[key](line), line.store.code)), key


def _steering_context(request: HttpRequest, viewer: Viewer, today: datetime.date,
                      now: Standing) -> dict[str, object]:
    """Head office (and superusers): every store it reaches, sortable; the store's management: its store."""
    stores = list(visible_to(Store.objects.order_by("code"), viewer))
    lines, sort = _sorted(request, steering(stores, today, now))
    wide = viewer.reach in WIDE
    return {"steering": lines if wide else [], "sort": sort, "sort_columns": SORT_COLUMNS,
            "waiting": waiting(viewer, request.user.has_perm),
            "mine": lines[0] if lines and not wide else None}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    today = timezone.localdate()
    context: dict[str, object] = {"viewer": viewer, "today": today, "Reach": Reach}
    now = dashboard.standing(viewer, today)
    if viewer.reach is Reach.OWN:
        context["my_day"] = dashboard.my_day(viewer, now)
    if request.user.has_perm("reports.view_daily_report"):
        context.update(_steering_context(request, viewer, today, now))
    if request.user.has_perm("tasks.view_tasks"):
        overdue = visible_to(Task.objects.filter(Task.overdue_on(today)), viewer)
        context["overdue_tasks"] = list(overdue.select_related("owner", "store")[:OVERDUE_TASKS_SHOWN])
    if viewer.reach is not Reach.NOTHING:
        by_store = viewer.reach in WIDE
        context["funnel"] = dashboard.funnel(viewer, today, by_store, now)
        context["by_store"] = by_store
        context["stock_on_hand"] = now.total("stock_on_hand")
    return render(request, "web/home.html", context)
