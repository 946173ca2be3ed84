"""Stock in the browser: the overview (vehicles by VIN, structure by model and age, stock coefficient), a
vehicle with its transfers, a secondary dealer with its territory and the vehicles it holds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.scope import viewer_of
from dealerkpi.stock import ordering, services
from dealerkpi.stock.forms import TransferForm
from dealerkpi.stock.models import Vehicle

PER_PAGE = 50


def vehicles_seen(viewer: Viewer) -> QuerySet[Vehicle]:
    return visible_to(Vehicle.objects.select_related("store", "trim__vehicle_model", "secondary_dealer"), viewer)


def vehicle_page(request: HttpRequest, vehicles: QuerySet[Vehicle]) -> tuple[Page, str]:
    """One page of vehicles, each with its age in days, and the query string that keeps the filters."""
    page = Paginator(vehicles.order_by("arrived_on", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for vehicle in page:
        vehicle.age = (today - vehicle.arrived_on).days if vehicle.arrived_on else None
    keep = request.GET.copy()
    keep.pop("page", None)
    return page, keep.urlencode()


def _vehicle_page(request: HttpRequest, vehicle: Vehicle, viewer: Viewer, form: TransferForm | None = None,
                  status: int = 200) -> HttpResponse:
    # The order the car was sold on, if the viewer may see it: through the relation, as sales sits above stock.
    orders = Vehicle.order.related.related_model.objects.filter(vehicle=vehicle)
    order = visible_to(orders, viewer).first()
    may_move = request.user.has_perm("stock.transfer_vehicle", vehicle) and vehicle.status == Vehicle.Status.IN_STOCK
    return render(request, "stock/vehicle_detail.html", {
        "vehicle": vehicle, "order": order, "interest": ordering.vehicle_interest(vehicle, timezone.localdate()),
        "transfers": vehicle.transfers.select_related("from_dealer", "to_dealer").order_by("-moved_on", "-pk"),
        "form": (form or TransferForm(vehicle=vehicle)) if may_move else None,
    }, status=status)


@login_required
def vehicle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    return _vehicle_page(request, get_object_or_404(vehicles_seen(viewer), pk=pk), viewer)


@require_POST
@login_required
def vehicle_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    vehicle = get_object_or_404(vehicles_seen(viewer), pk=pk)
    if not request.user.has_perm("stock.transfer_vehicle", vehicle):
        raise PermissionDenied
    form = TransferForm(request.POST, vehicle=vehicle)
    if form.is_valid():
        try:
            services.transfer(vehicle, form.cleaned_data["to_dealer"], form.cleaned_data["moved_on"])
            messages.success(request, _("Transfer recorded."))
            return redirect("vehicle-detail", vehicle.pk)
        except ValidationError as error:
            form.add_error(None, error)
    return _vehicle_page(request, vehicle, viewer, form, status=400)
