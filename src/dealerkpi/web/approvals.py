"""The approvals inbox: every decision waiting for the signed-in manager or supervisor, in one place —
lost-sale requests, prices below authority, floor or cost, deliveries with money outstanding, and the
statement queries of bonus runs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dealerkpi.core.scope import visible_to
from dealerkpi.crm.services import pending_lost_sales
from dealerkpi.org.roles import SALES_MANAGEMENT
from dealerkpi.org.scope import viewer_of
from dealerkpi.pay.models import StatementQuery
from dealerkpi.sales.services import pending_order_approvals


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    queries = StatementQuery.objects.none()
    if viewer.role in SALES_MANAGEMENT:
        queries = visible_to(StatementQuery.objects.filter(status=StatementQuery.Status.OPEN), viewer).select_related(
            "statement__staff", "statement__run", "line")
    return render(request, "web/approvals.html", {
        "lost_sales": pending_lost_sales(viewer), "order_approvals": pending_order_approvals(viewer),
        "queries": queries.order_by("raised_at"),
    })
