"""The tables the generator writes: each model with its column order, parents first (the order the writer
flushes them in), and ``Tables``, the registered tables by short name."""

from __future__ import annotations

from django.db.models import Model

from dealerkpi.catalog.models import Brand, LifecycleStage, MarginClass, Trim, TrimPrice, VehicleModel
from dealerkpi.core.bulk import BulkWriter, Table
from dealerkpi.crm.models import Complaint, Customer, FollowUp, IntentGrade, Lead, LostSale, ShowroomVisit, TestDrive
from dealerkpi.market.models import CompetitorPrice, MarketShareSurvey, PresentationAudit, PromotionExecution
from dealerkpi.org.models import (
    DealerGroup,
    MinimumWage,
    Region,
    RoleAssignment,
    Staff,
    Store,
    Team,
    TeamMembership,
    User,
)
from dealerkpi.people.models import (
    AttendanceRecord,
    Candidate,
    Certification,
    Departure,
    Interview,
    OnboardingItem,
    Position,
    Probation,
    TrainingRecord,
)
from dealerkpi.sales.models import (
    Delivery,
    DeliveryFollowUp,
    DerivativeSale,
    Order,
    OrderApproval,
    OrderCredit,
    Payment,
    Reversal,
)
from dealerkpi.stock.models import SecondaryDealer, Transfer, Vehicle

# short name: (model, columns in row order)
COLUMNS: dict[str, tuple[type[Model], str]] = {
    "group": (DealerGroup, "id code name"),
    "region": (Region, "id group_id code name"),
    "brand": (Brand, "id code name is_competitor"),
    "margin": (MarginClass, "id code name rank"),
    "model": (VehicleModel, "id brand_id code name segment"),
    "stage": (LifecycleStage, "id valid_from valid_to vehicle_model_id stage"),
    "trim": (Trim, "id vehicle_model_id code name margin_class_id"),
    "price": (TrimPrice, "id valid_from valid_to trim_id guide_price floor_price cost"),
    "store": (Store, "id region_id code name brand_id city territory opened_on"),
    "minwage": (MinimumWage, "id store_id effective_from monthly_amount"),
    "team": (Team, "id store_id name is_active"),
    "staff": (Staff, "id group_id store_id region_id employee_no name role phone hire_date leave_date base_salary"),
    "role": (RoleAssignment, "id valid_from valid_to staff_id role store_id"),
    "member": (TeamMembership, "id valid_from valid_to staff_id team_id is_leader"),
    "user": (
        User,
        "id password last_login is_superuser username first_name last_name email is_staff is_active date_joined"
        " staff_id",
    ),
    "grade": (IntentGrade, "id store_id code name follow_up_days is_open position"),
    "dealer": (SecondaryDealer, "id store_id code name territory contact_name is_active"),
    "vehicle": (Vehicle, "id store_id vin trim_id colour cost arrived_on status secondary_dealer_id"),
    "transfer": (Transfer, "id store_id vehicle_id moved_on from_dealer_id to_dealer_id"),
    "customer": (Customer, "id store_id owner_id name phone district created_at"),
    "lead": (
        Lead,
        "id store_id customer_id owner_id source intended_model_id grade status created_at last_follow_up_at"
        " next_follow_up_on closed_at",
    ),
    "follow": (FollowUp, "id store_id lead_id staff_id at channel outcome grade_after due_on next_due_on note"),
    "visit": (
        ShowroomVisit,
        "id store_id lead_id consultant_id arrived_at left_at is_first_visit party_size has_intent was_invited"
        " test_drive_taken",
    ),
    "drive": (
        TestDrive,
        "id store_id lead_id consultant_id vehicle_id starts_at ends_at licence_checked agreement_signed"
        " started_at ended_at status feedback",
    ),
    "lost": (
        LostSale,
        "id store_id lead_id reason competitor_model_id note requested_by_id requested_at status decided_by_id"
        " decided_at",
    ),
    "order": (
        Order,
        "id store_id lead_id customer_id consultant_id trim_id colour vehicle_id ordered_at guide_price"
        " floor_price price gifts_cost sold_via_id is_cross_region status",
    ),
    "credit": (OrderCredit, "id store_id order_id staff_id share"),
    "derivative": (DerivativeSale, "id store_id order_id kind amount income"),
    "approval": (
        OrderApproval,
        "id store_id order_id kind requested_by_id requested_at reason status decided_by_id decided_at",
    ),
    "payment": (Payment, "id store_id order_id kind amount paid_at"),
    "delivery": (
        Delivery,
        "id store_id order_id vehicle_id scheduled_for delivered_at inspection_done invoice_issued"
        " certificate_handed insurance_done handover_done customer_signed",
    ),
    "ccard": (DeliveryFollowUp, "id store_id delivery_id staff_id due_on done_at satisfaction note"),
    "reversal": (Reversal, "id store_id order_id kind at reason recorded_by_id"),
    "complaint": (
        Complaint,
        "id store_id customer_id about_staff_id handler_id channel is_major summary received_at due_on status"
        " resolution resolved_at",
    ),
    "promotion": (PromotionExecution, "id store_id name starts_on ends_on score assessed_by_id"),
    "audit": (PresentationAudit, "id store_id secondary_dealer_id audited_on score auditor_id note"),
    "survey": (MarketShareSurvey, "id store_id month share source"),
    "competitor": (CompetitorPrice, "id store_id competitor_model_id seen_on price offer source reported_by_id"),
    "training": (TrainingRecord, "id store_id staff_id course held_on hours passed trainer_id"),
    "attendance": (AttendanceRecord, "id store_id staff_id day status clock_in clock_out minutes_late leave_kind"),
    "departure": (
        Departure,
        "id store_id staff_id left_on voluntary reason competitor notes recorded_by_id recorded_at cards_handed_over",
    ),
    "position": (Position, "id store_id team_id role reason replaces_id opened_on opened_by_id status closed_on"),
    "candidate": (
        Candidate,
        "id position_id store_id name phone source applied_on stage cv_name cv_type offer_salary start_on hired_as_id",
    ),
    "interview": (
        Interview,
        "id candidate_id store_id interviewer_id held_on product_knowledge communication sales_drive presentation"
        " recommend notes",
    ),
    "onboarding": (OnboardingItem, "id store_id staff_id step due_on done_on done_by_id note"),
    "probation": (
        Probation, "id store_id staff_id starts_on ends_on status extensions decided_by_id decided_on note",
    ),
    "certification": (Certification, "id store_id staff_id name issuer obtained_on expires_on"),
}


class Tables:
    """The registered tables, by short name (see ``COLUMNS``)."""

    group: Table
    region: Table
    brand: Table
    margin: Table
    model: Table
    stage: Table
    trim: Table
    price: Table
    store: Table
    minwage: Table
    team: Table
    staff: Table
    role: Table
    member: Table
    user: Table
    grade: Table
    dealer: Table
    vehicle: Table
    transfer: Table
    customer: Table
    lead: Table
    follow: Table
    visit: Table
    drive: Table
    lost: Table
    order: Table
    credit: Table
    derivative: Table
    approval: Table
    payment: Table
    delivery: Table
    ccard: Table
    reversal: Table
    complaint: Table
    promotion: Table
    audit: Table
    survey: Table
    competitor: Table
    training: Table
    attendance: Table
    departure: Table
    position: Table
    candidate: Table
    interview: Table
    onboarding: Table
    probation: Table
    certification: Table

    def __init__(self, writer: BulkWriter) -> None:
        for name, (model, columns) in COLUMNS.items():
            setattr(self, name, writer.table(model, columns.split()))


def generated_models() -> list[type[Model]]:
    """Every model the generator writes, parents first."""
    return [model for model, _ in COLUMNS.values()]
