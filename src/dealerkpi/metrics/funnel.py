"""The sales funnel: A-cards opened, showroom visits, test drives and lost sales, each counted per person and
team of the record's day; the funnel rates divide these per person (see registry.py)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from dealerkpi.crm.models import Decision, Lead, LostSale, ShowroomVisit, TestDrive

from .base import Table, grouped
from .period import Frame, local_day


def opened_leads(frame: Frame) -> QuerySet[Lead]:
    """A-cards opened in the period, by their owner."""
    return Lead.objects.filter(store_id__in=frame.store_ids).filter(frame.during("created_at"))


def leads_table(frame: Frame) -> Table:
    return Table(rows=grouped(opened_leads(frame), "owner_id", local_day("created_at"), {"new_leads": Count("pk")}))


VISIT_PARTS = {
    "first_visits": Q(is_first_visit=True, has_intent=True),
    "intent_visits": Q(has_intent=True),
    "showroom_visits": Q(),
    "visits_with_test_drive": Q(test_drive_taken=True),
}


def visits(frame: Frame) -> QuerySet[ShowroomVisit]:
    """Showroom parties that arrived in the period, by the consultant who received them."""
    return ShowroomVisit.objects.filter(store_id__in=frame.store_ids).filter(frame.during("arrived_at"))


def visits_table(frame: Frame) -> Table:
    aggregates = {name: Count("pk", filter=part) for name, part in VISIT_PARTS.items()}
    return Table(rows=grouped(visits(frame), "consultant_id", local_day("arrived_at"), aggregates))


def test_drives_done(frame: Frame) -> QuerySet[TestDrive]:
    """Test drives done whose slot started in the period, by consultant."""
    return (
        TestDrive.objects.filter(store_id__in=frame.store_ids, status=TestDrive.Status.DONE)
        .filter(frame.during("starts_at"))
    )


def test_drives_table(frame: Frame) -> Table:
    return Table(
        rows=grouped(test_drives_done(frame), "consultant_id", local_day("starts_at"), {"test_drives": Count("pk")})
    )


def approved_lost_sales(frame: Frame) -> QuerySet[LostSale]:
    """Lost sales (战败) approved in the period, by the owner of the card."""
    return LostSale.objects.filter(store_id__in=frame.store_ids, status=Decision.APPROVED).filter(
        frame.during("decided_at")
    )


def lost_sales_table(frame: Frame) -> Table:
    return Table(
        rows=grouped(approved_lost_sales(frame), "lead__owner_id", local_day("decided_at"), {"lost_sales": Count("pk")})
    )


