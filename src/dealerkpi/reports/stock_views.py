"""The stock pages that weigh stock against sales: the overview (structure by model and age, the stock coefficient
against the warning line) and a secondary dealer's page (what it holds, its transfers, its cross-region orders).
They live in reports because their figures read the sales records."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from dealerkpi import metrics
from dealerkpi.core.scope import Reach, visible_to
from dealerkpi.org.scope import viewer_of, visible_store_ids
from dealerkpi.sales.models import Order
from dealerkpi.stock import services
from dealerkpi.stock.forms import StockFilterForm
from dealerkpi.stock.models import SecondaryDealer, Transfer, Vehicle
from dealerkpi.stock.services import SALES_WINDOW
from dealerkpi.stock.views import vehicle_page, vehicles_seen


def recent_deliveries(store_ids: list[int], today: datetime.date) -> Decimal:
    """units_delivered over the last 30 days up to today (net of unwinds in them)."""
    window = metrics.Days.ending(today, SALES_WINDOW.days)
    return metrics.compute(["units_delivered"], store_ids, window, as_of=today).total("units_delivered")


@login_required
def stock_overview(request: HttpRequest) -> HttpResponse:
    viewer, today = viewer_of(request), timezone.localdate()
    store_ids = visible_store_ids(viewer)
    dealers = visible_to(SecondaryDealer.objects.select_related("store"), viewer)
    vehicles = vehicles_seen(viewer)
    on_hand = vehicles.filter(status__in=services.ON_HAND)
    stock = metrics.standing(["stock_on_hand"], store_ids, today).total("stock_on_hand")
    deliveries = recent_deliveries(store_ids, today)
    coefficient = services.coefficient(stock, deliveries)
    form = StockFilterForm(request.GET or None, dealers=dealers)
    page, query = vehicle_page(request, form.narrow(vehicles))
    held = dealers.annotate(held=Count("vehicles", filter=Q(vehicles__status__in=services.ON_HAND)))
    return render(request, "stock/overview.html", {
        "form": form, "page": page, "query": query, "structure": services.structure(on_hand, today),
        "stock": stock, "deliveries": deliveries, "coefficient": coefficient, "warning_line": services.WARNING_LINE,
        "over_line": coefficient is not None and coefficient > services.WARNING_LINE,
        "dealers": held.order_by("store__code", "code"), "many_stores": viewer.reach not in (Reach.STORE, Reach.OWN,
                                                                                              Reach.TEAM),
    })


@login_required
def dealer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    dealer = get_object_or_404(visible_to(SecondaryDealer.objects.select_related("store"), viewer), pk=pk)
    held = vehicles_seen(viewer).filter(secondary_dealer=dealer).exclude(status=Vehicle.Status.DELIVERED)
    page, query = vehicle_page(request, held)
    moves = Transfer.objects.filter(Q(from_dealer=dealer) | Q(to_dealer=dealer)).select_related(
        "vehicle", "from_dealer", "to_dealer").order_by("-moved_on", "-pk")[:20]
    return render(request, "stock/dealer_detail.html", {
        "dealer": dealer, "page": page, "query": query, "transfers": moves,
        "cross_region_orders": visible_to(Order.objects.filter(sold_via=dealer, is_cross_region=True), viewer).count(),
    })
