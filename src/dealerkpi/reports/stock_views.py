"""The stock pages that weigh stock against sales: the overview (structure by model and age, the stock coefficient
against the warning line, the secondary dealers' month against target) and a secondary dealer's page (what it
holds, its transfers, its cross-region orders, its month against target) with the setting of its target. They live
in reports because their figures read the sales records."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealerkpi import metrics
from dealerkpi.core.forms import asked
from dealerkpi.core.scope import Reach, Viewer, visible_to
from dealerkpi.org.scope import viewer_of, visible_store_ids
from dealerkpi.reports.analysis import recent_units
from dealerkpi.sales.models import Order
from dealerkpi.stock import dealers as dealer_months
from dealerkpi.stock import services
from dealerkpi.stock.forms import DealerTargetForm, StockFilterForm
from dealerkpi.stock.models import SecondaryDealer, Transfer, Vehicle
from dealerkpi.stock.views import vehicle_page, vehicles_seen


@login_required
def stock_overview(request: HttpRequest) -> HttpResponse:
    viewer, today = viewer_of(request), timezone.localdate()
    store_ids = visible_store_ids(viewer)
    dealers = visible_to(SecondaryDealer.objects.select_related("store"), viewer)
    vehicles = vehicles_seen(viewer)
    on_hand = vehicles.filter(status__in=services.ON_HAND)
    stock = metrics.standing(["stock_on_hand"], store_ids, today).total("stock_on_hand")
    deliveries = sum(recent_units(store_ids, today).values(), Decimal(0))
    coefficient = services.coefficient(stock, deliveries)
    form = StockFilterForm(request.GET or None, dealers=dealers)
    page, query = vehicle_page(request, form.narrow(vehicles))
    held = dealers.annotate(held=Count("vehicles", filter=Q(vehicles__status__in=services.ON_HAND)))
    month = today.replace(day=1)
    return render(request, "stock/overview.html", {
        "form": form, "page": page, "query": query, "structure": services.structure(on_hand, today),
        "stock": stock, "deliveries": deliveries, "coefficient": coefficient, "warning_line": services.WARNING_LINE,
        "over_line": coefficient is not None and coefficient > services.WARNING_LINE,
        "month": month, "dealers": dealer_months.standings(held.order_by("store__code", "code"), month),
        "many_stores": viewer.reach not in (Reach.STORE, Reach.OWN,
                                                                                              Reach.TEAM),
    })


def _dealers_seen(viewer: Viewer) -> QuerySet[SecondaryDealer]:
    return visible_to(SecondaryDealer.objects.select_related("store"), viewer)


def _dealer_page(request: HttpRequest, dealer: SecondaryDealer, viewer: Viewer,
                 form: DealerTargetForm | None = None, status: int = 200) -> HttpResponse:
    month = asked(request, "month") or timezone.localdate().replace(day=1)
    held = vehicles_seen(viewer).filter(secondary_dealer=dealer).exclude(status=Vehicle.Status.DELIVERED)
    page, query = vehicle_page(request, held)
    moves = Transfer.objects.filter(Q(from_dealer=dealer) | Q(to_dealer=dealer)).select_related(
        "vehicle", "from_dealer", "to_dealer").order_by("-moved_on", "-pk")[:20]
    standing = dealer_months.standings([dealer], month)[0]
    may_set = request.user.has_perm("stock.manage_dealers", dealer)
    initial = {"month": f"{month:%Y-%m}", "units": standing.target}
    return render(request, "stock/dealer_detail.html", {
        "dealer": dealer, "page": page, "query": query, "transfers": moves, "month": month, "standing": standing,
        "target_form": (form or DealerTargetForm(initial=initial)) if may_set else None,
        "cross_region_orders": visible_to(Order.objects.filter(sold_via=dealer, is_cross_region=True), viewer).count(),
    }, status=status)


@login_required
def dealer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    return _dealer_page(request, get_object_or_404(_dealers_seen(viewer), pk=pk), viewer)


@require_POST
@login_required
def dealer_target(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the dealer's target for a month: the management of its store; 404 for a dealer not seen."""
    viewer = viewer_of(request)
    dealer = get_object_or_404(_dealers_seen(viewer), pk=pk)
    if not request.user.has_perm("stock.manage_dealers", dealer):
        raise PermissionDenied
    form = DealerTargetForm(request.POST)
    if not form.is_valid():
        return _dealer_page(request, dealer, viewer, form, status=400)
    month = form.cleaned_data["month"]
    dealer_months.set_target(dealer, month, form.cleaned_data["units"])
    messages.success(request, _("Target saved."))
    return redirect(f"{reverse('dealer-detail', args=[dealer.pk])}?month={month:%Y-%m}")
