"""Attrition (人员流失) for the store's management, HR and head office: the store's and each team's rate over the 12
months ending with the month chosen, the leavers by reason, and the leavers themselves with their departure
records. Every figure is the metrics library's (``metrics.people``: the definition of ``team_attrition_rate``);
the page only lays them out. One store (``?store=`` for head office), one month (``?month=YYYY-MM``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dealerkpi.core.money import ZERO
from dealerkpi.core.pages import asked_month, refuse_unless
from dealerkpi.metrics import Frame
from dealerkpi.metrics import people as figures
from dealerkpi.metrics.base import Table
from dealerkpi.org.models import Store, Team
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.people.models import Departure
from dealerkpi.plans.engine import Period


@dataclass(frozen=True)
class Attrition:
    """Leavers and the average headcount of a store or team, and the rate (None: nobody to lose)."""

    name: str
    leavers: Decimal
    headcount: Decimal
    rate: Decimal | None


@dataclass(frozen=True)
class ReasonCount:
    label: str
    voluntary: bool | None  # None: nobody recorded why
    leavers: int


def attrition_of(name: str, part: dict[str, Decimal]) -> Attrition:
    return Attrition(name, part.get("leavers", ZERO), figures.average_headcount([part]),
                     figures.attrition_rate([part]))


def team_attrition(table: Table, store: Store) -> list[Attrition]:
    """Each team of the store (its members who are not the leader)."""
    teams = Team.objects.filter(store=store).order_by("name")
    return [attrition_of(team.name, table.teams.get(team.pk, {})) for team in teams]


def reason_counts(frame: Frame) -> list[ReasonCount]:
    """Leavers by reason, the most first; those nobody recorded a reason for last."""
    counts: dict[tuple[str | None, bool | None], int] = defaultdict(int)
    for row in figures.leavers_by_reason(frame):
        counts[(row["reason"], row["voluntary"])] += row["leavers"]
    labels = dict(Departure.Reason.choices)
    found = [ReasonCount(str(labels.get(reason, reason)) if reason else _("Not recorded"),
                         voluntary if reason else None, n) for (reason, voluntary), n in counts.items()]
    return sorted(found, key=lambda count: (count.voluntary is None, -count.leavers, count.label))


@login_required
@require_GET
def attrition(request: HttpRequest) -> HttpResponse:
    refuse_unless(request.user.has_perm("reports.view_attrition"),
                  _("The store's management, HR and head office see attrition."))
    viewer = viewer_of(request)
    store, month = chosen_store(request, viewer), asked_month(request, timezone.localdate())
    frame = Frame.of([store.pk], Period(month.year, month.month))
    table = figures.attrition_table(frame)
    reasons = reason_counts(frame)
    leavers = figures.store_leavers(frame).select_related("departure").order_by("leave_date", "pk")
    return render(request, "reports/attrition.html", store_context(
        viewer, store, month=month, since=figures.window_start(frame), until=frame.last_day,
        whole=attrition_of(store.name, table.stores.get(store.pk, {})), teams=team_attrition(table, store),
        reasons=reasons, unrecorded=sum(r.leavers for r in reasons if r.voluntary is None), leavers=leavers,
        window=figures.ATTRITION_WINDOW,
    ))
