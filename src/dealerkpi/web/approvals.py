"""The approvals inbox: every decision waiting for the signed-in manager or supervisor, in one place. The apps
register the kinds of decision (``core.registry.Approvals`` in their ``menu.py``: lost-sale requests, prices below
authority, floor or cost, deliveries with money outstanding, the statement queries of bonus runs); the inbox shows
those the reader has the permission for."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dealerkpi.core.registry import approval_kinds
from dealerkpi.org.scope import viewer_of


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("web.view_approvals"):
        raise PermissionDenied
    viewer = viewer_of(request)
    kinds = [(kind, kind.pending(viewer)) for kind in approval_kinds() if request.user.has_perm(kind.permission)]
    return render(request, "web/approvals.html", {"kinds": kinds})
