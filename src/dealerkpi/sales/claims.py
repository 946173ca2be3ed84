"""A claim to a customer decided (撞单, crm/claims.py): the card stays, moves to the claimant, or the customer's
sales are split between the two; the credits of the card's orders not yet delivered follow the decision at once,
and an order placed on the card later is credited by it (`decided_credits`). Delivered orders keep their credit:
their pay has been computed (adjust it in the bonus run)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealerkpi.core import audit
from dealerkpi.crm.models import Lead, OwnershipClaim
from dealerkpi.crm.services import reassign_leads
from dealerkpi.org.models import Staff, User
from dealerkpi.sales.models import FULL_SHARE, Order, OrderCredit

Status = OwnershipClaim.Status


def shares_of(claim: OwnershipClaim) -> dict[int, Decimal]:
    """Staff id -> percent of the customer's sales, for a claim that moved or split the customer."""
    if claim.status == Status.MOVED:
        return {claim.claimant_id: FULL_SHARE}
    share = Decimal(claim.claimant_share or 0)
    return {claim.owner_id: FULL_SHARE - share, claim.claimant_id: share}


def decided_credits(lead: Lead) -> dict[int, Decimal] | None:
    """The shares the latest decided claim on the card gives its sales; None when no claim moved or split it."""
    claim = (OwnershipClaim.objects.filter(lead=lead, status__in=[Status.MOVED, Status.SPLIT])
             .order_by("-decided_at", "-pk").first())
    return shares_of(claim) if claim else None


def _recredit(claim: OwnershipClaim) -> int:
    """The card's orders not yet delivered credited as decided; returns how many."""
    orders = list(Order.objects.select_for_update().filter(lead_id=claim.lead_id)
                  .exclude(status__in=[Order.Status.DELIVERED, Order.Status.CANCELLED, Order.Status.UNWOUND]))
    shares = shares_of(claim)
    for order in orders:
        OrderCredit.objects.filter(order=order).delete()
        OrderCredit.objects.bulk_create(OrderCredit(store_id=order.store_id, order=order, staff_id=staff, share=share)
                                        for staff, share in shares.items() if share > 0)
        audit.record("update", order, detail=_("credit after claim %(claim)s: %(shares)s") % {
            "claim": claim.pk, "shares": ", ".join(f"{staff}: {share}%" for staff, share in shares.items())})
    return len(orders)


def decide_claim(claim: OwnershipClaim, status: str, reason: str, decider: Staff, user: User | None,
                 at: datetime.datetime, claimant_share: int | None = None) -> OwnershipClaim:
    """Decide the claim under a row lock (a second decision finds it decided and is refused); audited."""
    with transaction.atomic():
        locked = OwnershipClaim.objects.select_for_update().select_related("lead").get(pk=claim.pk)
        if locked.status != Status.PENDING:
            raise ValidationError(_("This claim has already been decided."))
        if status == Status.SPLIT and not (claimant_share and 0 < claimant_share < 100):
            raise ValidationError({"claimant_share": _("Give the claimant's share, from 1 to 99 per cent.")})
        locked.status, locked.decision_reason = status, reason.strip()
        locked.claimant_share = claimant_share if status == Status.SPLIT else None
        locked.decided_by, locked.decided_at = decider, at
        locked.save()
        if status == Status.MOVED:
            reassign_leads(Lead.objects.filter(pk=locked.lead_id), locked.claimant,
                           _("Claim %(claim)s: %(reason)s") % {"claim": locked.pk, "reason": locked.decision_reason},
                           decider, user, at)
        if status != Status.KEPT:
            _recredit(locked)
    return locked
