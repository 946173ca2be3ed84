"""The stock pages that weigh stock against sales: the overview (structure by model and age, the stock coefficient
against the warning line) and a secondary dealer's page (what it holds, its transfers, its cross-region orders).
They live in reports because their figures read the sales records."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from dealerkpi.core.scope import Reach, visible_to
from dealerkpi.org.models import Store
from dealerkpi.org.scope import viewer_of
from dealerkpi.sales.models import Delivery, Order, Reversal
from dealerkpi.stock import services
from dealerkpi.stock.forms import StockFilterForm
from dealerkpi.stock.models import SecondaryDealer, Transfer, Vehicle
from dealerkpi.stock.services import SALES_WINDOW
from dealerkpi.stock.views import vehicle_page, vehicles_seen


def recent_deliveries(stores: QuerySet[Store], now: datetime.datetime) -> int:
    """Deliveries of the last 30 days, less those unwound since."""
    return (Delivery.objects.filter(store__in=stores, delivered_at__gt=now - SALES_WINDOW, delivered_at__lte=now)
            .exclude(order__reversal__kind=Reversal.Kind.UNWIND).count())


@login_required
def stock_overview(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    stores = visible_to(Store.objects.all(), viewer)
    dealers = visible_to(SecondaryDealer.objects.select_related("store"), viewer)
    vehicles = vehicles_seen(viewer)
    on_hand = vehicles.filter(status__in=services.ON_HAND)
    stock, deliveries = on_hand.count(), recent_deliveries(stores, timezone.now())
    coefficient = services.coefficient(stock, deliveries)
    form = StockFilterForm(request.GET or None, dealers=dealers)
    page, query = vehicle_page(request, form.narrow(vehicles))
    held = dealers.annotate(held=Count("vehicles", filter=Q(vehicles__status__in=services.ON_HAND)))
    return render(request, "stock/overview.html", {
        "form": form, "page": page, "query": query, "structure": services.structure(on_hand, timezone.localdate()),
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
