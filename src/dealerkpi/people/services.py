"""Leaving (离职) in one step: the departure record, the leave date, and the leaver's open A-cards handed over to
colleagues of the store so that no customer is left with someone who has gone.

    open_cards(staff)                   -> the open A-cards a person holds, the most urgent first
    heirs(store, leaver, day)           -> who may take them over: the store's sales force employed on the day
    spread(cards, heirs)                -> each card to a colleague, evenly, the least loaded first
    record_departure(...)               -> Departure; Staff.leave_date set; the cards moved (crm.reassign_leads)

Functions raise ValidationError with a message for the user; views turn it into a form error.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from dealerkpi.core.audit import audited_update
from dealerkpi.crm.models import Lead
from dealerkpi.crm.services import reassign_leads
from dealerkpi.org.models import Staff, Store, User
from dealerkpi.org.pages import store_staff
from dealerkpi.org.roles import SALES_FORCE
from dealerkpi.people.models import Departure


def open_cards(staff: Staff) -> QuerySet[Lead]:
    """The open A-cards ``staff`` holds, the next follow-up due first."""
    return (Lead.objects.filter(owner=staff, status=Lead.Status.OPEN).select_related("customer", "intended_model")
            .order_by("next_follow_up_on", "pk"))


def heirs(store: Store, leaver: Staff, day: datetime.date) -> QuerySet[Staff]:
    """The colleagues who may take over the leaver's cards: the store's consultants and supervisors employed on
    ``day``, with the open cards each holds (``open_cards``), the least loaded first."""
    return (store_staff(store, day).filter(role__in=SALES_FORCE).exclude(pk=leaver.pk)
            .annotate(open_cards=Count("leads", filter=Q(leads__status=Lead.Status.OPEN)))
            .order_by("open_cards", "name", "pk"))


def spread(cards: Sequence[int], colleagues: Sequence[Staff]) -> dict[int, Staff]:
    """Each card to a colleague in turn, in the order given (the least loaded first): counts differ by one at most."""
    if not colleagues:
        return {}
    return {card: colleagues[n % len(colleagues)] for n, card in enumerate(cards)}


@dataclass(frozen=True)
class Leaving:
    """What the departure record says."""

    left_on: datetime.date
    voluntary: bool
    reason: str
    competitor: str = ""
    notes: str = ""


@transaction.atomic
def record_departure(leaver: Staff, leaving: Leaving, handover: Mapping[int, Staff], recorder: Staff,
                     user: User | None, now: datetime.datetime) -> Departure:
    """Record that ``leaver`` leaves, set their leave date and hand each of their open cards to the colleague
    ``handover`` names for it, in one transaction.

    The person is locked and read again first: a second recording is refused, as is a handover that misses a card
    opened since the page was shown. Each card moved gets its reassignment record and audit entry (crm)."""
    locked = Staff.objects.select_for_update().get(pk=leaver.pk)
    if Departure.objects.filter(staff=locked).exists():
        raise ValidationError(_("%(name)s's leaving is already recorded.") % {"name": locked.name})
    cards = set(open_cards(locked).values_list("pk", flat=True))
    if cards - set(handover):
        raise ValidationError(_("%(name)s holds a card the page did not show: open the page again.")
                              % {"name": locked.name})
    departure = Departure(store_id=locked.store_id, staff=locked, left_on=leaving.left_on,
                          voluntary=leaving.voluntary, reason=leaving.reason, competitor=leaving.competitor,
                          notes=leaving.notes, recorded_by=recorder, recorded_at=now)
    departure.full_clean()
    audited_update(Staff.objects.filter(pk=locked.pk), leave_date=leaving.left_on)
    departure.cards_handed_over = _hand_over(locked, {card: handover[card] for card in cards}, recorder, user, now)
    departure.save()
    return departure


def _hand_over(leaver: Staff, handover: Mapping[int, Staff], recorder: Staff, user: User | None,
               now: datetime.datetime) -> int:
    """Move the cards, one reassignment per colleague (not per card)."""
    by_heir: dict[Staff, list[int]] = defaultdict(list)
    for card, heir in handover.items():
        by_heir[heir].append(card)
    reason = _("%(name)s left the store") % {"name": leaver.name}
    return sum(
        reassign_leads(Lead.objects.filter(pk__in=cards, owner=leaver), heir, reason, recorder, user, now)
        for heir, cards in by_heir.items()
    )
