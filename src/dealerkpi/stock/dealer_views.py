"""Secondary dealers' settlement in the browser: what a dealer owes for the cars supplied to it and its
cross-region fines, what it paid and its balance, with the payments received and the sales it reported; the
store's wholesale prices per trim and its fine per cross-region car. The store's management acts;
head office reads; the store's other staff are refused (403) and another store's dealer is not found (404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.org.models import Store
from dealerkpi.org.scope import viewer_of
from dealerkpi.stock import dealers
from dealerkpi.stock.forms import DealerPaymentForm, DealerSaleForm, FineForm, WholesalePriceForm
from dealerkpi.stock.models import CrossRegionFine, SecondaryDealer, WholesalePrice


def _reader(request: HttpRequest) -> Viewer:
    if not request.user.has_perm("stock.view_dealer_settlement"):
        raise PermissionDenied
    return viewer_of(request)


def _dealer(request: HttpRequest, pk: int) -> SecondaryDealer:
    return get_object_or_404(visible_to(SecondaryDealer.objects.select_related("store"), _reader(request)), pk=pk)


def _settlement_page(request: HttpRequest, dealer: SecondaryDealer, payment: DealerPaymentForm | None = None,
                     sale: DealerSaleForm | None = None, status: int = 200) -> HttpResponse:
    books = dealers.account(dealer)
    may_act = request.user.has_perm("stock.manage_dealers", dealer)
    payable, unreported = books.payable(), books.unreported()
    return render(request, "stock/dealer_settlement.html", {
        "dealer": dealer, "account": books,
        "payments": dealer.payments.annotate(for_cars=Sum("lines__amount")).order_by("-paid_on", "-pk"),
        "form": (payment or DealerPaymentForm(payable=payable)) if may_act else None,
        "sale_form": (sale or DealerSaleForm(unreported=unreported)) if may_act and unreported else None,
    }, status=status)


def _acting_on(request: HttpRequest, pk: int) -> SecondaryDealer:
    dealer = _dealer(request, pk)
    if not request.user.has_perm("stock.manage_dealers", dealer):
        raise PermissionDenied
    return dealer


@login_required
def dealer_settlement(request: HttpRequest, pk: int) -> HttpResponse:
    return _settlement_page(request, _dealer(request, pk))


@require_POST
@login_required
def dealer_payment(request: HttpRequest, pk: int) -> HttpResponse:
    dealer = _acting_on(request, pk)
    form = DealerPaymentForm(request.POST, payable=dealers.account(dealer).payable())
    if form.is_valid():
        try:
            dealers.record_payment(dealer, form.cleaned_data["paid_on"], form.cleaned_data["reference"],
                                   form.amounts(), form.cleaned_data["on_account"] or dealers.ZERO)
            messages.success(request, _("Payment recorded."))
            return redirect("dealer-settlement", dealer.pk)
        except ValidationError as error:
            form.add_error(None, error)
    return _settlement_page(request, dealer, payment=form, status=400)


@require_POST
@login_required
def dealer_sale(request: HttpRequest, pk: int) -> HttpResponse:
    """The dealer's report of a car's sale to an end customer (fined when outside its territory)."""
    dealer = _acting_on(request, pk)
    form = DealerSaleForm(request.POST, unreported=dealers.account(dealer).unreported())
    if form.is_valid():
        try:
            dealers.report_sale(dealer, form.cleaned_data["supply"], form.cleaned_data["sold_on"],
                                form.cleaned_data["district"])
            messages.success(request, _("Sale recorded."))
            return redirect("dealer-settlement", dealer.pk)
        except ValidationError as error:
            form.add_error(None, error)
    return _settlement_page(request, dealer, sale=form, status=400)


def _prices_seen(viewer: Viewer) -> QuerySet[WholesalePrice]:
    return visible_to(WholesalePrice.objects.select_related("store", "trim__vehicle_model"), viewer).order_by(
        "store__code", "trim__vehicle_model__name", "trim__name", "-valid_from")


def _own_store(request: HttpRequest, viewer: Viewer) -> Store | None:
    """The store whose prices and fine the viewer sets; None for a reader only."""
    store = Store.objects.filter(pk=viewer.store_id).first()
    return store if store is not None and request.user.has_perm("stock.manage_dealers", store) else None


def _prices_page(request: HttpRequest, viewer: Viewer, form: WholesalePriceForm | None = None,
                 fine_form: FineForm | None = None, status: int = 200) -> HttpResponse:
    store = _own_store(request, viewer)
    rule = CrossRegionFine.objects.filter(store=store).first() if store else None
    return render(request, "stock/dealer_prices.html", {
        "prices": _prices_seen(viewer), "fines": visible_to(CrossRegionFine.objects.select_related("store"), viewer),
        "form": form or (WholesalePriceForm(store=store) if store else None),
        "fine_form": fine_form or (FineForm(initial={"per_car": rule.per_car if rule else None}) if store else None),
    }, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def dealer_prices(request: HttpRequest) -> HttpResponse:
    """The wholesale prices and cross-region fines of the stores the viewer sees; the store's management sets its
    own prices."""
    viewer = _reader(request)
    if request.method == "GET":
        return _prices_page(request, viewer)
    store = _own_store(request, viewer)
    if store is None:
        raise PermissionDenied
    form = WholesalePriceForm(request.POST, store=store)
    if not form.is_valid():
        return _prices_page(request, viewer, form=form, status=400)
    dealers.set_price(store, form.cleaned_data["trim"].pk, form.cleaned_data["valid_from"],
                      form.cleaned_data["price"])
    messages.success(request, _("Wholesale price saved."))
    return redirect("dealer-prices")


@require_POST
@login_required
def dealer_fine(request: HttpRequest) -> HttpResponse:
    """The store's fine per cross-region car, for sales reported from now on."""
    viewer = _reader(request)
    store = _own_store(request, viewer)
    if store is None:
        raise PermissionDenied
    form = FineForm(request.POST)
    if not form.is_valid():
        return _prices_page(request, viewer, fine_form=form, status=400)
    dealers.set_fine(store, form.cleaned_data["per_car"])
    messages.success(request, _("Cross-region fine saved."))
    return redirect("dealer-prices")
