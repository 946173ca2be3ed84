"""The sales desk in the browser: an order from an A-card, its price approvals, payments, delivery with its
checklist and C-cards, cancellation and unwind. Every change is a POST by someone who may act on the order;
a form with errors comes back with what was typed."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealerkpi.core.once import save_once
from dealerkpi.core.scope import Viewer, shown_phone, visible_to
from dealerkpi.crm.models import Customer, Lead
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.scope import viewer_of
from dealerkpi.sales import services
from dealerkpi.sales.forms import (
    ChecklistForm,
    DeskSettingsForm,
    OrderForm,
    PaymentForm,
    ReasonForm,
    ScheduleForm,
    SoldViaForm,
)
from dealerkpi.sales.models import DiscountAuthority, Order, OrderApproval, StoreDeskSettings


def phone_for(viewer: Viewer, customer: Customer) -> str:
    return shown_phone(viewer, customer, customer.phone)


def _acting_staff(viewer: Viewer) -> Staff:
    return Staff.objects.get(pk=viewer.staff_id)


def _order_for(request: HttpRequest, pk: int, act: bool = False) -> tuple[Order, Viewer]:
    """The order if the viewer may see it (404 otherwise); with ``act``, 403 unless they may change it."""
    viewer = viewer_of(request)
    orders = Order.objects.select_related(
        "store", "customer", "consultant", "trim__vehicle_model", "vehicle", "sold_via", "lead"
    )
    order = get_object_or_404(visible_to(orders, viewer), pk=pk)
    if act and not request.user.has_perm("sales.change_order", order):
        raise PermissionDenied
    return order, viewer


@login_required
def order_new(request: HttpRequest, lead_pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    lead = get_object_or_404(
        visible_to(Lead.objects.select_related("store", "customer", "owner", "intended_model"), viewer), pk=lead_pk
    )
    if not request.user.has_perm("sales.add_order", lead):
        raise PermissionDenied
    form = OrderForm(request.POST or None, lead=lead, day=timezone.localdate())
    is_open = lead.status == Lead.Status.OPEN
    if is_open and request.method == "POST" and form.is_valid():
        try:
            order = services.place_order(lead, form.terms(), _acting_staff(viewer))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("lead-detail", lead.pk)
        if order.status == Order.Status.AWAITING_APPROVAL:
            messages.warning(request, _("The price is beyond the consultant's authority: the order awaits approval."))
        else:
            messages.success(request, _("Order placed and confirmed."))
        return redirect("order-detail", order.pk)
    return render(request, "sales/order_form.html", {
        "form": form, "lead": lead, "is_open": is_open,
        "authority": services.authority_of(lead.store_id, lead.owner.role), "phone": phone_for(viewer, lead.customer),
    })


def _page_context(request: HttpRequest, order: Order, viewer: Viewer) -> dict[str, object]:
    derivatives = list(order.derivatives.all())
    payments = list(order.payments.all())
    delivery = order.delivery if hasattr(order, "delivery") else None
    approvals = list(order.approvals.select_related("requested_by", "decided_by").order_by("requested_at", "pk"))
    for approval in approvals:
        approval.may_decide = (approval.status == "requested" and order.status in services.OPEN_ORDER
                               and request.user.has_perm("sales.decide_order_approval", approval))
    return {
        "order": order, "viewer": viewer, "may_act": request.user.has_perm("sales.change_order", order),
        "may_unwind": request.user.has_perm("sales.unwind_order", order),
        "is_open": order.status in services.OPEN_ORDER, "is_delivered": order.status == Order.Status.DELIVERED,
        "credits": order.credits.select_related("staff").order_by("-share", "pk"),
        "derivatives": derivatives, "payments": payments, "approvals": approvals,
        "account": services.account(order, derivatives, payments), "delivery": delivery,
        "c_cards": delivery.follow_ups.select_related("staff") if delivery else (),
        "reversal": getattr(order, "reversal", None),
        "phone": phone_for(viewer, order.customer),
        "balance_asked": any(a.kind == OrderApproval.Kind.DELIVERY_WITH_BALANCE for a in approvals),
    }


def _order_page(request: HttpRequest, order: Order, viewer: Viewer, status: int = 200,
                **bound: forms.Form) -> HttpResponse:
    """The order page; ``bound`` holds a form that failed, shown with its errors in place of a fresh one."""
    context = _page_context(request, order, viewer)
    delivery = context["delivery"]
    context["forms"] = {
        "payment": PaymentForm(order=order),
        "schedule": ScheduleForm(vehicles=services.vehicle_choices(order), initial={
            "vehicle": order.vehicle_id,
            "scheduled_for": timezone.localtime(delivery.scheduled_for) if delivery and delivery.scheduled_for
            else None,
        }),
        "checklist": ChecklistForm(instance=delivery) if delivery else None,
        "override": ReasonForm(prefix="override"), "cancel": ReasonForm(prefix="cancel"),
        "unwind": ReasonForm(prefix="unwind"), "sold_via": SoldViaForm(order=order),
        **bound,
    }
    return render(request, "sales/order_detail.html", context, status=status)


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order, viewer = _order_for(request, pk)
    return _order_page(request, order, viewer)


def _order_action(form_name: str, build: Callable[[HttpRequest, Order], forms.Form],
                  act: Callable[[Order, forms.Form, Viewer], str],
                  permission: str | None = None) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST on the order page by someone who may change the order (and has ``permission``, when given):
    validate ``build``'s form, run ``act`` (returns the success message); a failure shows the page again with the
    form's errors (status 400). A refusal because the order has closed (a second click, someone else meanwhile) is
    a message on the order page as it is now: the closed order's page has no form to show it on."""

    @require_POST
    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        order, viewer = _order_for(request, pk, act=True)
        if permission is not None and not request.user.has_perm(permission, order):
            raise PermissionDenied
        form = build(request, order)
        if form.is_valid():
            try:
                messages.success(request, act(order, form, viewer))
                return redirect("order-detail", order.pk)
            except ValidationError as error:
                order.refresh_from_db()
                if order.status not in services.OPEN_ORDER:
                    messages.error(request, " ".join(error.messages))
                    return redirect("order-detail", order.pk)
                form.add_error(None, error)
        order.refresh_from_db()
        return _order_page(request, order, viewer, status=400, **{form_name: form})

    return view


def _record_payment(order: Order, form: forms.Form, viewer: Viewer) -> str:
    if not save_once(form.save(commit=False), form.cleaned_data["entry_token"]):
        return _("This payment was recorded already: the form was sent twice.")
    return _("Payment recorded.")


def _schedule(order: Order, form: forms.Form, viewer: Viewer) -> str:
    data = form.cleaned_data
    services.schedule_delivery(order, data["vehicle"].pk, data["scheduled_for"], _acting_staff(viewer))
    return _("Delivery scheduled and vehicle allocated.")


def _complete(order: Order, form: forms.Form, viewer: Viewer) -> str:
    services.tick_checklist(order, form.cleaned_data)  # the ticks are kept even when the delivery cannot complete
    if "complete" not in form.data:
        return _("Checklist saved.")
    services.complete_delivery(order)
    return _("Delivered. The C-card calls are on the consultant's list.")


def _ask_override(order: Order, form: forms.Form, viewer: Viewer) -> str:
    services.request_balance_override(order, form.cleaned_data["reason"], _acting_staff(viewer))
    return _("The general manager has been asked to allow delivery with money outstanding.")


def _cancel(order: Order, form: forms.Form, viewer: Viewer) -> str:
    services.cancel_order(order, form.cleaned_data["reason"], _acting_staff(viewer))
    return _("Order cancelled; its vehicle is back in stock.")


def _unwind(order: Order, form: forms.Form, viewer: Viewer) -> str:
    services.unwind_delivery(order, form.cleaned_data["reason"], _acting_staff(viewer))
    return _("Sale unwound; the vehicle is back in stock.")


def _change_sold_via(order: Order, form: forms.Form, viewer: Viewer) -> str:
    services.change_sold_via(order, form.cleaned_data["sold_via"])
    return _("Secondary dealer changed.")


def _checklist_form(request: HttpRequest, order: Order) -> forms.Form:
    delivery = getattr(order, "delivery", None)
    if delivery is None:
        form = ChecklistForm(request.POST)
        form.add_error(None, _("Schedule the delivery and allocate a vehicle first."))
        return form
    return ChecklistForm(request.POST, instance=delivery)


def _schedule_form(request: HttpRequest, order: Order) -> forms.Form:
    return ScheduleForm(request.POST, vehicles=services.vehicle_choices(order))


payment_new = _order_action("payment", lambda request, order: PaymentForm(request.POST, order=order),
                            _record_payment)
delivery_schedule = _order_action("schedule", _schedule_form, _schedule)
delivery_complete = _order_action("checklist", _checklist_form, _complete)
delivery_override = _order_action("override", lambda request, order: ReasonForm(request.POST, prefix="override"),
                                  _ask_override)
order_cancel = _order_action("cancel", lambda request, order: ReasonForm(request.POST, prefix="cancel"), _cancel)
delivery_unwind = _order_action("unwind", lambda request, order: ReasonForm(request.POST, prefix="unwind"), _unwind,
                                permission="sales.unwind_order")
order_sold_via = _order_action("sold_via", lambda request, order: SoldViaForm(request.POST, order=order),
                               _change_sold_via)


@require_POST
@login_required
def order_approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject a request (``decision`` = approve / reject); back to ``next`` or the order page."""
    viewer = viewer_of(request)
    approval = get_object_or_404(visible_to(OrderApproval.objects.all(), viewer), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
    else:
        try:
            services.decide(approval, viewer, approve=decision == "approve")
            messages.success(request, _("Approved.") if decision == "approve" else _("Rejected."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("order-detail", args=[approval.order_id])
    return HttpResponseRedirect(target)  # a URL, never a view's name (redirect() would try one)


@login_required
def desk_settings(request: HttpRequest) -> HttpResponse:
    """The store's discount authority per role and C-card days: the sales manager and the GM set them."""
    if not request.user.has_perm("sales.change_desk_settings"):
        raise PermissionDenied
    store = get_object_or_404(Store, pk=viewer_of(request).store_id)
    settings = StoreDeskSettings.objects.filter(store=store).first() or StoreDeskSettings(store=store)
    form = DeskSettingsForm(request.POST or None, instance=settings, authority=services.authorities(store))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # update_or_create: two first saves at once make one row, the second updates it
            StoreDeskSettings.objects.update_or_create(store=store,
                                                       defaults={"c_card_days": form.cleaned_data["c_card_days"]})
            for role, amount in form.authority().items():
                row = DiscountAuthority.objects.filter(store=store, role=role).first()
                if row is None or row.max_discount != amount:
                    DiscountAuthority.objects.update_or_create(store=store, role=role,
                                                               defaults={"max_discount": amount})
        messages.success(request, _("Settings saved."))
        return redirect("desk-settings")
    return render(request, "sales/desk_settings.html", {"form": form, "store": store},
                  status=400 if form.errors else 200)
