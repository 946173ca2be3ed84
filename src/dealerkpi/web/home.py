"""The home page a user lands on: what their role needs first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dealerkpi.core.scope import Reach
from dealerkpi.org.scope import viewer_of
from dealerkpi.web import dashboard


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    today = timezone.localdate()
    context: dict[str, object] = {"viewer": viewer, "today": today, "Reach": Reach}
    if viewer.reach is Reach.OWN:
        context["my_day"] = dashboard.my_day(viewer, today)
    if viewer.reach is not Reach.NOTHING:
        by_store = viewer.reach in (Reach.EVERYTHING, Reach.GROUP, Reach.REGION)
        context["funnel"] = dashboard.funnel(viewer, today, by_store=by_store)
        context["by_store"] = by_store
        context["stock_on_hand"] = dashboard.stock_on_hand(viewer, today)
    return render(request, "web/home.html", context)
