"""The team board: each consultant's month (funnel, targets, follow-up compliance, overdue cards) for the
supervisor and the manager."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dealerkpi.crm import services
from dealerkpi.crm.desk import desk_viewer
from dealerkpi.reports import boards


@login_required
@require_GET
def team_board(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request, "reports.view_team_board")
    today = timezone.localdate()
    rows = boards.team_board(viewer, today)
    pending = services.pending_lost_sales(viewer).count()  # none unless the viewer decides them
    return render(request, "crm/team_board.html", {
        "rows": rows, "today": today, "pending_lost": pending,
        "columns": (_("New leads"), _("Showroom visits"), _("First visits"), _("Test drives"), _("Orders"),
                    _("Deliveries")),  # in the order of boards.BOARD_FIGURES
    })
