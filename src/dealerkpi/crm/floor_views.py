"""The floor board (接待轮序): today's roster with who is on duty, with a customer, and next for a walk-in; the
walk-ins received out of turn; the supervisor's and manager's form for a shift. Everyone at the store's desk reads
it; the rotation itself is crm/rotation.py (docs/desk-crm.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealerkpi.crm import rotation, services
from dealerkpi.crm.desk import desk_viewer
from dealerkpi.crm.forms import FloorShiftForm
from dealerkpi.crm.models import FloorShift


@login_required
@require_http_methods(["GET", "POST"])
def floor_board(request: HttpRequest) -> HttpResponse:
    viewer = desk_viewer(request)
    may_manage = request.user.has_perm("crm.manage_floor")
    if request.method == "POST" and not may_manage:
        raise PermissionDenied
    today = timezone.localdate()
    consultants = services.desk_consultants(viewer, today) if may_manage else None
    form = None
    if may_manage:
        form = FloorShiftForm(request.POST if request.method == "POST" else None, consultants=consultants,
                              initial={"day": today, "starts": "09:00", "ends": "18:00"})
    if request.method == "POST" and form is not None and form.is_valid():
        shift = form.cleaned_data
        with transaction.atomic():
            FloorShift.objects.update_or_create(
                staff=shift["staff"], day=shift["day"],
                defaults={"store_id": viewer.store_id, "starts": shift["starts"], "ends": shift["ends"],
                          "on_leave": shift["on_leave"]})
        messages.success(request, _("The shift of %(name)s is saved.") % {"name": shift["staff"].name})
        return HttpResponseRedirect(reverse("floor-board"))
    return render(request, "crm/floor_board.html", {
        "floor": rotation.floor(viewer.store_id), "form": form,
    }, status=400 if form is not None and form.errors else 200)
