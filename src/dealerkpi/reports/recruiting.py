"""Recruiting for HR and the store's management: the store's positions (open, and those opened in the last 12
months) with each one's funnel (candidates, interviewed, offered, hired) and time to fill, from the metrics library
(``metrics.people``). One store; candidates' personal data is on the position's page (``people``), for the same
readers only."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dealerkpi.core.pages import refuse_unless
from dealerkpi.core.scope import visible_to
from dealerkpi.metrics import people as figures
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.people.models import Position

RECENT_DAYS = 365


@login_required
@require_GET
def recruiting(request: HttpRequest) -> HttpResponse:
    refuse_unless(request.user.has_perm("people.view_recruiting"), _("HR and the store's management recruit."))
    viewer = viewer_of(request)
    store, today = chosen_store(request, viewer), timezone.localdate()
    refuse_unless(request.user.has_perm("people.recruit", store), _("HR and the store's management recruit."))
    recent = Q(status=Position.Status.OPEN) | Q(opened_on__gte=today - datetime.timedelta(days=RECENT_DAYS))
    positions = list(figures.recruiting_funnel(visible_to(Position.objects.filter(store=store), viewer).filter(recent))
                     .select_related("team", "replaces").order_by("status", "-opened_on", "-pk"))
    rows = [(position, figures.days_to_fill(position)) for position in positions]
    return render(request, "reports/recruiting.html", store_context(
        viewer, store, today=today, rows=rows, average_days=figures.average_days_to_fill(positions),
    ))
