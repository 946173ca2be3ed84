"""Ordering from the manufacturer and receiving in the browser: the orders, one order (its lines, submission,
confirmation and the vehicles allocated on it), arrivals with the floor-plan cost of stock, and the
purchase-sales-stock report (进销存) with its Excel export.

The store's management acts on its own store; head office reads. An order of another store is not found."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dealerkpi.core.forms import asked
from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.core.spreadsheets import Amount, Book, Label
from dealerkpi.org.models import Store
from dealerkpi.org.pages import chosen_store, store_context
from dealerkpi.org.scope import viewer_of
from dealerkpi.stock import flow, ordering, suggest
from dealerkpi.stock.forms import (
    AllocateForm,
    ConfirmForm,
    OrderLineForm,
    OrderMonthForm,
    RateForm,
    ReceiveForm,
    VehicleForm,
)
from dealerkpi.stock.models import Vehicle, VehicleOrder

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reader(request: HttpRequest) -> Viewer:
    if not request.user.has_perm("stock.view_vehicle_orders"):
        raise PermissionDenied
    return viewer_of(request)


def _own_store(request: HttpRequest, viewer: Viewer) -> Store | None:
    """The store whose orders and arrivals the viewer manages; None for a reader only."""
    if viewer.store_id is None:
        return None
    store = Store.objects.get(pk=viewer.store_id)
    return store if request.user.has_perm("stock.order_vehicles", store) else None


def _manager(request: HttpRequest) -> tuple[Viewer, Store]:
    """The viewer and the store they manage; 403 for anyone else."""
    viewer = _reader(request)
    store = _own_store(request, viewer)
    if store is None:
        raise PermissionDenied
    return viewer, store


def _orders_seen(viewer: Viewer) -> QuerySet[VehicleOrder]:
    return visible_to(VehicleOrder.objects.select_related("store"), viewer)


def _acting_on(request: HttpRequest, pk: int) -> tuple[Viewer, VehicleOrder]:
    """The order asked for, seen by the viewer (else 404) and theirs to act on (else 403)."""
    viewer = _reader(request)
    order = get_object_or_404(_orders_seen(viewer), pk=pk)
    if not request.user.has_perm("stock.order_vehicles", order):
        raise PermissionDenied
    return viewer, order


# --- the orders ------------------------------------------------------------------------------------------------


@login_required
def vehicle_orders(request: HttpRequest) -> HttpResponse:
    viewer = _reader(request)
    store = _own_store(request, viewer)
    return render(request, "stock/orders.html", {
        "orders": _orders_seen(viewer).order_by("-month", "store__code")[:48], "store": store,
        "month_form": OrderMonthForm(initial={"month": f"{timezone.localdate():%Y-%m}"}) if store else None,
    })


@require_POST
@login_required
def vehicle_order_start(request: HttpRequest) -> HttpResponse:
    _viewer, store = _manager(request)
    form = OrderMonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a month as YYYY-MM, e.g. 2026-10."))
        return redirect("vehicle-orders")
    return redirect("vehicle-order-detail", ordering.start_order(store, form.cleaned_data["month"]).pk)


def _order_page(request: HttpRequest, order: VehicleOrder, status: int = 200, **forms: Form) -> HttpResponse:
    may_act = request.user.has_perm("stock.order_vehicles", order)
    lines = list(order.lines.select_related("trim__vehicle_model"))
    allocated = ordering.allocated_counts(order)
    for line in lines:
        line.allocated = allocated.get(line.pk, 0)
    state = order.status if may_act else None
    return render(request, "stock/order_detail.html", {
        "order": order, "lines": lines,
        "vehicles": Vehicle.objects.filter(order_line__order=order).select_related("trim__vehicle_model")
        .order_by("pk"),
        "line_form": forms.get("line_form") or (OrderLineForm(store=order.store)
                                                if state == VehicleOrder.Status.DRAFT else None),
        "confirm_form": forms.get("confirm_form") or (ConfirmForm(lines=lines)
                                                      if state == VehicleOrder.Status.SUBMITTED else None),
        "allocate_form": forms.get("allocate_form") or (
            AllocateForm(order=order, initial={"financed_from": timezone.localdate()})
            if state == VehicleOrder.Status.CONFIRMED else None),
        "may_submit": state == VehicleOrder.Status.DRAFT and bool(lines),
        "suggestions": suggest.suggestions(order.store_id, timezone.localdate())
        if state == VehicleOrder.Status.DRAFT else None,
        "depth_aim": suggest.DEPTH_AIM,
    }, status=status)


@login_required
def vehicle_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_page(request, get_object_or_404(_orders_seen(_reader(request)), pk=pk))


def _refused(request: HttpRequest, order: VehicleOrder, form: Form, error: ValidationError, name: str
             ) -> HttpResponse:
    _field_errors(form, error)
    return _order_page(request, order, 400, **{name: form})


def _field_errors(form: Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_POST
@login_required
def vehicle_order_line(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer, order = _acting_on(request, pk)
    form = OrderLineForm(request.POST, store=order.store)
    if not form.is_valid():
        return _order_page(request, order, 400, line_form=form)
    try:
        ordering.set_line(order, form.cleaned_data["trim"], form.cleaned_data["colour"],
                          form.cleaned_data["quantity"])
    except ValidationError as error:
        return _refused(request, order, form, error, "line_form")
    return redirect("vehicle-order-detail", order.pk)


@require_POST
@login_required
def vehicle_order_suggest(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer, order = _acting_on(request, pk)
    try:
        written = suggest.use_suggestion(order, timezone.localdate())
        messages.success(request, _("The suggestion is in the order: %(lines)s lines; adjust them before submitting.")
                         % {"lines": written})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("vehicle-order-detail", order.pk)


@require_POST
@login_required
def vehicle_order_submit(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer, order = _acting_on(request, pk)
    try:
        ordering.submit(order, timezone.localdate())
        messages.success(request, _("Order submitted to the manufacturer."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("vehicle-order-detail", order.pk)


@require_POST
@login_required
def vehicle_order_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer, order = _acting_on(request, pk)
    form = ConfirmForm(request.POST, lines=list(order.lines.select_related("trim__vehicle_model")))
    if not form.is_valid():
        return _order_page(request, order, 400, confirm_form=form)
    try:
        ordering.confirm(order, form.confirmed(), form.cleaned_data["confirmed_on"])
    except ValidationError as error:
        return _refused(request, order, form, error, "confirm_form")
    messages.success(request, _("The manufacturer's confirmation is recorded."))
    return redirect("vehicle-order-detail", order.pk)


@require_POST
@login_required
def vehicle_order_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer, order = _acting_on(request, pk)
    form = AllocateForm(request.POST, order=order)
    if not form.is_valid():
        return _order_page(request, order, 400, allocate_form=form)
    data = form.cleaned_data
    try:
        vehicle = ordering.allocate(data["line"], data["vin"], data["cost"], data["financed_from"])
    except ValidationError as error:
        return _refused(request, order, form, error, "allocate_form")
    messages.success(request, _("Vehicle %(vin)s allocated: in transit.") % {"vin": vehicle.vin})
    return redirect("vehicle-order-detail", order.pk)


# --- arrivals and the floor-plan cost --------------------------------------------------------------------------


def _arrivals_page(request: HttpRequest, viewer: Viewer, store: Store | None, form: ReceiveForm | None = None,
                   vehicle_form: VehicleForm | None = None) -> HttpResponse:
    vehicles = visible_to(Vehicle.objects.select_related("store", "trim__vehicle_model"), viewer)
    refused = any(f is not None and f.is_bound and f.errors for f in (form, vehicle_form))
    return render(request, "stock/arrivals.html", {
        "form": form or (ReceiveForm() if store else None), "store": store,
        "vehicle_form": vehicle_form or (VehicleForm(store=store) if store else None),
        "in_transit": vehicles.filter(status=Vehicle.Status.IN_TRANSIT).order_by("financed_from", "pk")[:200],
        "financing": ordering.financing(vehicles, viewer.store_id, timezone.localdate()) if viewer.store_id
        else None,
        "rate_form": RateForm(initial={"valid_from": timezone.localdate()}) if store else None,
        "rates": ordering.rate_history(viewer.store_id) if viewer.store_id else None,
    }, status=400 if refused else 200)


@login_required
@require_http_methods(["GET", "POST"])
def vehicle_arrivals(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        viewer = _reader(request)
        return _arrivals_page(request, viewer, _own_store(request, viewer))
    viewer, store = _manager(request)
    form = ReceiveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            vehicle = ordering.receive(store, data["vin"], data["received_on"], data["location"],
                                       data["damage_note"])
            messages.success(request, _("Vehicle %(vin)s received into stock.") % {"vin": vehicle.vin})
            return redirect("vehicle-arrivals")
        except ValidationError as error:
            _field_errors(form, error)
    return _arrivals_page(request, viewer, store, form=form)


@require_POST
@login_required
def vehicle_new(request: HttpRequest) -> HttpResponse:
    viewer, store = _manager(request)
    form = VehicleForm(request.POST, store=store)
    if form.is_valid():
        try:
            vehicle = ordering.enter_vehicle(store, **form.cleaned_data)
            messages.success(request, _("Vehicle %(vin)s entered.") % {"vin": vehicle.vin})
            return redirect("vehicle-detail", vehicle.pk)
        except ValidationError as error:
            _field_errors(form, error)
    return _arrivals_page(request, viewer, store, vehicle_form=form)


@require_POST
@login_required
def floor_plan_rate(request: HttpRequest) -> HttpResponse:
    _viewer, store = _manager(request)
    form = RateForm(request.POST)
    if form.is_valid():
        ordering.set_rate(store, form.cleaned_data["annual_percent"], form.cleaned_data["valid_from"])
        messages.success(request, _("Floor-plan interest rate saved."))
    else:
        messages.error(request, _("Enter the day the rate takes effect and the rate as a percentage from 0 to 50, "
                                  "e.g. 4.35."))
    return redirect("vehicle-arrivals")


# --- the purchase-sales-stock report ---------------------------------------------------------------------------


def _flow(request: HttpRequest) -> tuple[Viewer, Store, flow.Flow]:
    """The month's report of the store shown: the viewer's own, or for head office the one it picks among its
    stores (``?store=``; a store it may not see is not found)."""
    viewer = _reader(request)
    store = chosen_store(request, viewer)
    month = asked(request, "month") or timezone.localdate().replace(day=1)
    return viewer, store, flow.month_flow([store.pk], month)


@login_required
def stock_flow(request: HttpRequest) -> HttpResponse:
    viewer, store, report = _flow(request)
    return render(request, "stock/flow.html", store_context(
        viewer, store, flow=report, totals=report.totals(), previous=_shifted(report.month, -1),
        next=_shifted(report.month, 1)))


def _shifted(month: datetime.date, months: int) -> str:
    index = month.year * 12 + month.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def flow_header() -> list[str]:
    return [_("Model"), _("Opening stock"), _("Opening value"), _("Received into stock"), _("Received value"),
            _("Sold"), _("Sold value"), _("Out to dealers"), _("Out value"), _("Back from dealers"), _("Back value"),
            _("Closing stock"), _("Closing value")]


def _cells(line: flow.Line) -> list[object]:
    return [cell for count, value in line.cells() for cell in (count, Amount(value))]


@login_required
def stock_flow_xlsx(request: HttpRequest) -> HttpResponse:
    _viewer, store, report = _flow(request)
    title = _("Purchase, sales and stock %(month)s") % {"month": f"{report.month:%Y-%m}"}
    book = Book(title=title)
    sheet = book.sheet(_("Purchase, sales and stock"), flow_header(), frozen_columns=1,
                       above=[[Label(title)], [Label(f"{store.code} {store.name}")]])
    for line in report.lines:
        sheet.append([line.model, *_cells(line)])
    sheet.append([Label(_("Total")), *_cells(report.totals())])
    filename = f"stock-flow-{store.code}-{report.month:%Y-%m}.xlsx"
    response = HttpResponse(book.save(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
