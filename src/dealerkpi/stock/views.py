"""Stock in the browser: the overview (vehicles by VIN, structure by model and age, stock coefficient), a
vehicle with its transfers, a secondary dealer with its territory and the vehicles it holds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.org.models import Store
from dealerkpi.sales.models import Order
from dealerkpi.stock import services
from dealerkpi.stock.forms import StockFilterForm, TransferForm
from dealerkpi.stock.models import SecondaryDealer, Transfer, Vehicle
from dealerkpi.web.viewer import viewer_of

PER_PAGE = 50


def _vehicles(viewer: Viewer) -> QuerySet[Vehicle]:
    return visible_to(Vehicle.objects.select_related("store", "trim__vehicle_model", "secondary_dealer"), viewer)


def _page(request: HttpRequest, vehicles: QuerySet[Vehicle]) -> tuple[Page, str]:
    """One page of vehicles, each with its age in days, and the query string that keeps the filters."""
    page = Paginator(vehicles.order_by("arrived_on", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for vehicle in page:
        vehicle.age = (today - vehicle.arrived_on).days if vehicle.arrived_on else None
    keep = request.GET.copy()
    keep.pop("page", None)
    return page, keep.urlencode()


@login_required
def stock_overview(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    stores = visible_to(Store.objects.all(), viewer)
    dealers = visible_to(SecondaryDealer.objects.select_related("store"), viewer)
    vehicles = _vehicles(viewer)
    on_hand = vehicles.filter(status__in=services.ON_HAND)
    stock, deliveries = on_hand.count(), services.recent_deliveries(stores, timezone.now())
    coefficient = services.coefficient(stock, deliveries)
    form = StockFilterForm(request.GET or None, dealers=dealers)
    page, query = _page(request, form.narrow(vehicles))
    held = dealers.annotate(held=Count("vehicles", filter=Q(vehicles__status__in=services.ON_HAND)))
    return render(request, "stock/overview.html", {
        "form": form, "page": page, "query": query, "structure": services.structure(on_hand, timezone.localdate()),
        "stock": stock, "deliveries": deliveries, "coefficient": coefficient, "warning_line": services.WARNING_LINE,
        "over_line": coefficient is not None and coefficient > services.WARNING_LINE,
        "dealers": held.order_by("store__code", "code"), "many_stores": viewer.reach not in (Reach.STORE, Reach.OWN,
                                                                                              Reach.TEAM),
    })


def _vehicle_page(request: HttpRequest, vehicle: Vehicle, viewer: Viewer, form: TransferForm | None = None,
                  status: int = 200) -> HttpResponse:
    order = visible_to(Order.objects.filter(vehicle=vehicle), viewer).first()
    may_move = services.may_move_stock(viewer, vehicle.store_id) and vehicle.status == Vehicle.Status.IN_STOCK
    return render(request, "stock/vehicle_detail.html", {
        "vehicle": vehicle, "order": order,
        "transfers": vehicle.transfers.select_related("from_dealer", "to_dealer").order_by("-moved_on", "-pk"),
        "form": (form or TransferForm(vehicle=vehicle)) if may_move else None,
    }, status=status)


@login_required
def vehicle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    return _vehicle_page(request, get_object_or_404(_vehicles(viewer), pk=pk), viewer)


@require_POST
@login_required
def vehicle_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    vehicle = get_object_or_404(_vehicles(viewer), pk=pk)
    if not services.may_move_stock(viewer, vehicle.store_id):
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


@login_required
def dealer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    dealer = get_object_or_404(visible_to(SecondaryDealer.objects.select_related("store"), viewer), pk=pk)
    held = _vehicles(viewer).filter(secondary_dealer=dealer).exclude(status=Vehicle.Status.DELIVERED)
    page, query = _page(request, held)
    moves = Transfer.objects.filter(Q(from_dealer=dealer) | Q(to_dealer=dealer)).select_related(
        "vehicle", "from_dealer", "to_dealer").order_by("-moved_on", "-pk")[:20]
    return render(request, "stock/dealer_detail.html", {
        "dealer": dealer, "page": page, "query": query, "transfers": moves,
        "cross_region_orders": visible_to(Order.objects.filter(sold_via=dealer, is_cross_region=True), viewer).count(),
    })
