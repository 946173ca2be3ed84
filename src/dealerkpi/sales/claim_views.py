"""Deciding a claim to a customer (撞单) from the approvals inbox: the supervisor of the team or the store's sales
management; the decision moves the card or splits the customer's sales (sales/claims.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealerkpi.crm.claims import pending_claims
from dealerkpi.crm.desk import desk_viewer
from dealerkpi.crm.models import OwnershipClaim
from dealerkpi.org.models import Staff
from dealerkpi.sales.claims import decide_claim

Status = OwnershipClaim.Status


class DecideClaimForm(forms.Form):
    decision = forms.ChoiceField(choices=[(Status.KEPT, Status.KEPT.label), (Status.MOVED, Status.MOVED.label),
                                          (Status.SPLIT, Status.SPLIT.label)])
    claimant_share = forms.IntegerField(required=False, min_value=1, max_value=99,
                                        label=gettext_lazy("Claimant's share, %"))
    reason = forms.CharField(max_length=300, label=gettext_lazy("Reason for the decision"))


@login_required
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = desk_viewer(request, "crm.reassign_lead")
    claim = get_object_or_404(pending_claims(viewer), pk=pk)
    form = DecideClaimForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give its reason (for a split, the claimant's share from 1 "
                                  "to 99 per cent)."))
        return HttpResponseRedirect(reverse("approvals"))
    data = form.cleaned_data
    try:
        decide_claim(claim, data["decision"], data["reason"], Staff.objects.get(pk=viewer.staff_id), request.user,
                     timezone.now(), data["claimant_share"])
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("The claim to the customer of A-%(card)s is decided.") % {"card": claim.lead_id})
    return HttpResponseRedirect(reverse("approvals"))
