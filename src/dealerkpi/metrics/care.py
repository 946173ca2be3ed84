"""Looking after customers: A-card follow-ups on time, C-card (after-delivery) calls, complaints.

Follow-up compliance counts, per person, every follow-up due in the period:
- an A-card contact (FollowUp) that answered a due date (`due_on`) in the period: on time when made on or
  before that day (Shanghai), late otherwise; it belongs to the person who made it;
- an A-card whose pending due date (`next_follow_up_on`) is in the period and already past (before `as_of`),
  on an open or dormant card, with no contact answering it: missed; it belongs to the card's owner;
- a C-card call due in the period: on time when done on or before its due day; late when done after; missed
  when not done and its day has passed; not yet counted when not done and not yet due.
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from dealerkpi.crm.models import Complaint, FollowUp, Lead
from dealerkpi.sales.models import DeliveryFollowUp

from .base import Table, grouped
from .period import Frame, local_day

ON_TIME = Q(contact_day__lte=F("due_on"))
NOT_ON_TIME = Q(contact_day__isnull=True) | Q(contact_day__gt=F("due_on"))  # late, or not done (C-cards)


def answered_follow_ups(frame: Frame) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(store_id__in=frame.store_ids)
        .filter(frame.on_days("due_on"))
        .annotate(contact_day=local_day("at"))
    )


def missed_leads(frame: Frame) -> QuerySet[Lead]:
    answered = FollowUp.objects.filter(lead_id=OuterRef("pk"), due_on=OuterRef("next_follow_up_on"))
    return (
        Lead.objects.filter(
            store_id__in=frame.store_ids,
            status__in=(Lead.Status.OPEN, Lead.Status.DORMANT),
            next_follow_up_on__gte=frame.first_day,
            next_follow_up_on__lte=frame.last_day,
            next_follow_up_on__lt=frame.today,
        )
        .filter(~Exists(answered))
    )


def c_cards_due(frame: Frame) -> QuerySet[DeliveryFollowUp]:
    """C-card calls due in the period that are done, or whose day has passed."""
    return (
        DeliveryFollowUp.objects.filter(store_id__in=frame.store_ids)
        .filter(frame.on_days("due_on"))
        .filter(Q(done_at__isnull=False) | Q(due_on__lt=frame.today))
        .annotate(contact_day=local_day("done_at"))
    )


def compliance_table(frame: Frame) -> Table:
    """Due and on-time counts per person (not split by team: compliance is a rate). Three queries."""
    table = Table()
    counted = {"due": Count("pk"), "on_time": Count("pk", filter=ON_TIME)}
    parts = (
        grouped(answered_follow_ups(frame), "staff_id", None, counted),
        grouped(missed_leads(frame), "owner_id", None, {"due": Count("pk")}),
        grouped(c_cards_due(frame), "staff_id", None, counted),
    )
    for rows in parts:
        for key, values in rows.items():
            for name, value in values.items():
                table.add(key, f"follow_ups_{name}", value)
    return table


def c_cards_done(frame: Frame) -> QuerySet[DeliveryFollowUp]:
    return DeliveryFollowUp.objects.filter(store_id__in=frame.store_ids).filter(frame.during("done_at"))


def c_cards_table(frame: Frame) -> Table:
    return Table(
        rows=grouped(c_cards_done(frame), "staff_id", local_day("done_at"), {"c_card_follow_ups_done": Count("pk")})
    )


SUBORDINATE = Q(channel=Complaint.Channel.SUBORDINATE)
COMPLAINT_PARTS = {
    "complaints": ~SUBORDINATE,
    "major_complaints": ~SUBORDINATE & Q(is_major=True),
    "subordinate_complaints": SUBORDINATE,
}


def complaints_received(frame: Frame) -> QuerySet[Complaint]:
    """Complaints received in the period about a person."""
    return Complaint.objects.filter(store_id__in=frame.store_ids, about_staff__isnull=False).filter(
        frame.during("received_at")
    )


def complaints_table(frame: Frame) -> Table:
    aggregates = {name: Count("pk", filter=part) for name, part in COMPLAINT_PARTS.items()}
    return Table(rows=grouped(complaints_received(frame), "about_staff_id", local_day("received_at"), aggregates))
