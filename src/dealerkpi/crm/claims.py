"""Two consultants and one customer (撞单): a consultant claims the customer of another's open card; the store's
rule says whose it should be, and a supervisor or the sales management decides (sales/claims.py carries the
decision to the card and the orders' credits). docs/desk-crm.md."""

from __future__ import annotations

import datetime

import rules
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dealerkpi.core.scope import Viewer, visible_to
from dealerkpi.crm.models import Lead, OwnershipClaim
from dealerkpi.org.models import Staff


def claim_card(lead: Lead, claimant: Staff, reason: str, at: datetime.datetime) -> OwnershipClaim:
    """A pending claim of `claimant` to the customer of `lead`; refused for one's own card, a card that is not
    open, or a second pending claim of the same consultant."""
    if lead.owner_id == claimant.pk:
        raise ValidationError(_("This customer is already yours."))
    if lead.status != Lead.Status.OPEN:
        raise ValidationError(_("Only a customer on an open A-card can be claimed."))
    try:
        with transaction.atomic():
            return OwnershipClaim.objects.create(store_id=lead.store_id, lead=lead, owner_id=lead.owner_id,
                                                 claimant=claimant, reason=reason.strip(), claimed_at=at)
    except IntegrityError:
        raise ValidationError(_("You have already claimed this customer; the claim waits for a decision.")) from None


def pending_claims(viewer: Viewer) -> QuerySet[OwnershipClaim]:
    """Claims awaiting `viewer`'s decision: their team's (supervisor) or store's (manager); never one of their own."""
    if not rules.has_perm("crm.reassign_lead", viewer):
        return OwnershipClaim.objects.none()
    waiting = OwnershipClaim.objects.filter(status=OwnershipClaim.Status.PENDING).exclude(
        claimant_id=viewer.staff_id).exclude(owner_id=viewer.staff_id)
    return visible_to(waiting, viewer, "approve").select_related("lead__customer", "owner", "claimant").order_by(
        "claimed_at", "pk")
