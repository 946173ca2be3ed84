"""The sales policy page: the store's management publishes the policy of the day per trim or vehicle and spiffs,
edits a policy and withdraws a spiff nobody has been paid yet."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealerkpi.core.scope import visible_to
from dealerkpi.org.models import Staff, Store
from dealerkpi.org.scope import viewer_of
from dealerkpi.sales import policy
from dealerkpi.sales.forms import SalesPolicyForm, SpiffForm
from dealerkpi.sales.models import SalesPolicy, Spiff

SHOWN_DAYS = 31  # policies and spiffs that ended up to a month ago are still listed


def _store_of(request: HttpRequest) -> Store:
    if not request.user.has_perm("sales.publish_policy"):
        raise PermissionDenied
    return get_object_or_404(Store, pk=viewer_of(request).store_id)


def _listed(request: HttpRequest, store: Store) -> dict[str, object]:
    since = timezone.localdate() - datetime.timedelta(days=SHOWN_DAYS)
    viewer = viewer_of(request)
    return {
        "store": store, "today": timezone.localdate(),
        "policies": visible_to(SalesPolicy.objects.filter(store=store, valid_to__gte=since), viewer)
        .select_related("trim__vehicle_model", "vehicle__trim").order_by("-valid_from", "pk"),
        "spiffs": visible_to(Spiff.objects.filter(store=store, valid_to__gte=since), viewer)
        .select_related("vehicle_model", "trim", "vehicle", "published_by").order_by("-valid_from", "pk"),
    }


@login_required
def sales_policy(request: HttpRequest) -> HttpResponse:
    """The page, and a new policy (``policy`` in the POST) or a new spiff (``spiff``)."""
    store = _store_of(request)
    policy_form = SalesPolicyForm(request.POST if "policy" in request.POST else None, store=store, prefix="policy")
    spiff_form = SpiffForm(request.POST if "spiff" in request.POST else None, store=store, prefix="spiff")
    if "policy" in request.POST and policy_form.is_valid():
        policy_form.save()
        messages.success(request, _("Sales policy saved."))
        return redirect("sales-policy")
    if "spiff" in request.POST and spiff_form.is_valid():
        spiff = spiff_form.save(commit=False)
        spiff.published_by = Staff.objects.get(pk=viewer_of(request).staff_id)
        spiff.published_at = timezone.now()
        if policy.publish_spiff(spiff, spiff_form.cleaned_data["entry_token"]):
            messages.success(request, _("Spiff published."))
        else:
            messages.info(request, _("This spiff was published already: the form was sent twice."))
        return redirect("sales-policy")
    failed = bool(policy_form.errors or spiff_form.errors)
    return render(request, "sales/policy.html", {"policy_form": policy_form, "spiff_form": spiff_form,
                                                 **_listed(request, store)}, status=400 if failed else 200)


@login_required
def sales_policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    store = _store_of(request)
    record = get_object_or_404(visible_to(SalesPolicy.objects.filter(store=store), viewer_of(request)), pk=pk)
    form = SalesPolicyForm(request.POST or None, instance=record, store=store)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Sales policy saved."))
        return redirect("sales-policy")
    return render(request, "sales/policy_edit.html", {"form": form, "record": record},
                  status=400 if form.errors else 200)


@require_POST
@login_required
def spiff_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    store = _store_of(request)
    spiff = get_object_or_404(visible_to(Spiff.objects.filter(store=store), viewer_of(request)), pk=pk)
    try:
        policy.withdraw_spiff(spiff)
        messages.success(request, _("Spiff withdrawn."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("sales-policy")
