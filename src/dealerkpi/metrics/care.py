"""Looking after customers: A-card follow-ups on time, C-card (after-delivery) calls, owned customers kept in
touch with, complaints.

Follow-up compliance counts, per person, every follow-up due in the period:
- an A-card contact (FollowUp) that answered a due date (`due_on`) in the period: on time when made on or
  before that day (Shanghai), late otherwise; it belongs to the person who made it;
- an A-card whose pending due date (`next_follow_up_on`) is in the period and already past (before `as_of`),
  on an open or dormant card, with no contact answering it: missed; it belongs to the card's owner;
- a C-card call due in the period: on time when done on or before its due day; late when done after; missed
  when not done and its day has passed; not yet counted when not done and not yet due.
"""

from __future__ import annotations

from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, QuerySet, Value, When

from dealerkpi.crm.models import Complaint, Customer, FollowUp, Lead
from dealerkpi.sales.models import DeliveryFollowUp, OrderCredit

from .base import Table, grouped
from .period import Frame, local_day
from .sales import kept_credits

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
    """Due and on-time counts per person and team of the due day (a team's compliance is its people's counts
    summed, never a mean of their rates). Three queries."""
    table = Table()
    counted = {"due": Count("pk"), "on_time": Count("pk", filter=ON_TIME)}
    parts = (
        grouped(answered_follow_ups(frame), "staff_id", F("due_on"), counted),
        grouped(missed_leads(frame), "owner_id", F("next_follow_up_on"), {"due": Count("pk")}),
        grouped(c_cards_due(frame), "staff_id", F("due_on"), counted),
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


def active_owned_credits(frame: Frame) -> QuerySet[OrderCredit]:
    """Credit rows of the cars customers still have at the period's end (owned customers of the credited
    person) whose customer was contacted in the period: a C-card call done, or an A-card follow-up logged."""
    customer = OuterRef("order__customer_id")
    c_card = DeliveryFollowUp.objects.filter(delivery__order__customer_id=customer).filter(frame.during("done_at"))
    a_card = FollowUp.objects.filter(lead__customer_id=customer).filter(frame.during("at"))
    return kept_credits(frame).filter(Q(Exists(c_card)) | Q(Exists(a_card)))


def active_owned_table(frame: Frame) -> Table:
    """Distinct owned customers contacted, per person, on the team of their last day in the period. One query."""
    last_day = Value(frame.last_day, output_field=DateField())
    left = Q(staff__leave_date__lt=frame.last_day)
    day = Case(When(left, then=F("staff__leave_date")), default=last_day, output_field=DateField())
    count = {"active_owned_customers": Count("order__customer_id", distinct=True)}
    return Table(rows=grouped(active_owned_credits(frame), "staff_id", day, count))


def active_owned_customers(frame: Frame, staff_id: int) -> QuerySet[Customer]:
    mine = active_owned_credits(frame).filter(staff_id=staff_id)
    return Customer.objects.filter(pk__in=mine.values("order__customer_id")).order_by("created_at", "pk")


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
