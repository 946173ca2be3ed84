"""The record types of this app that users browse: their list pages, filters, tables and detail pages."""

from dealerkpi.core.registry import Browse, Related, register_browse
from dealerkpi.crm.models import (
    Complaint,
    Customer,
    FollowUp,
    Lead,
    LostSale,
    ShowroomVisit,
    SurveyResult,
    TestDrive,
)

register_browse(
    Browse(
        "leads", Lead,
        columns=("id", "customer", "owner", "source", "intended_model", "grade", "status", "created_at",
                 "next_follow_up_on"),
        filters=("status", "grade", "source", "owner", "intended_model"),
        search=("customer__name",),
        select_related=("customer", "owner", "intended_model__brand"),
        related=(Related("follow-ups", "lead"), Related("visits", "lead"), Related("test-drives", "lead"),
                 Related("orders", "lead"), Related("lost-sales", "lead")),
        section="funnel",
    ),
    Browse(
        "customers", Customer,
        columns=("id", "name", "phone", "district", "owner", "created_at"),
        filters=("owner",), search=("name",), select_related=("owner",),
        related=(Related("leads", "customer"), Related("orders", "customer"), Related("complaints", "customer")),
        section="funnel",
    ),
    Browse(
        "follow-ups", FollowUp,
        columns=("id", "lead", "staff", "at", "channel", "outcome", "grade_after", "due_on", "next_due_on"),
        filters=("channel", "outcome", "staff"),
        select_related=("lead__customer", "staff"), section="funnel",
    ),
    Browse(
        "visits", ShowroomVisit,
        columns=("id", "arrived_at", "left_at", "consultant", "is_first_visit", "party_size", "has_intent",
                 "was_invited", "test_drive_taken", "lead"),
        filters=("is_first_visit", "has_intent", "test_drive_taken", "consultant"),
        select_related=("consultant", "lead__customer"), section="funnel",
    ),
    Browse(
        "test-drives", TestDrive,
        columns=("id", "starts_at", "ends_at", "vehicle", "consultant", "lead", "status", "licence_checked",
                 "agreement_signed"),
        filters=("status", "consultant"),
        select_related=("vehicle", "consultant", "lead__customer"), section="funnel",
    ),
    Browse(
        "lost-sales", LostSale,
        columns=("id", "lead", "reason", "competitor_model", "requested_by", "requested_at", "status",
                 "decided_by"),
        filters=("status", "reason", "requested_by"),
        select_related=("lead__customer", "competitor_model__brand", "requested_by", "decided_by"),
        section="funnel",
    ),
    Browse(
        "complaints", Complaint,
        columns=("id", "received_at", "summary", "channel", "is_major", "about_staff", "handler", "due_on",
                 "status"),
        filters=("status", "is_major", "channel"),
        select_related=("about_staff", "handler"), section="store",
    ),
    Browse(
        "survey-results", SurveyResult,
        columns=("id", "surveyed_on", "kind", "reference", "consultant", "score", "vehicle"),
        filters=("kind", "consultant"), search=("reference",), select_related=("consultant", "vehicle"),
        section="store",
    ),
)
