"""What each role can browse: one entry per record type drives its list page, filters, table and detail page
(the NetBox pattern: one generic view, a small declaration per model)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model

from dealerkpi.catalog.models import Trim, TrimPrice, VehicleModel
from dealerkpi.crm.models import Complaint, Customer, FollowUp, Lead, LostSale, ShowroomVisit, TestDrive
from dealerkpi.market.models import CompetitorPrice, MarketShareSurvey, PresentationAudit, PromotionExecution
from dealerkpi.org.models import Staff, Store, Team
from dealerkpi.people.models import AttendanceRecord, TrainingRecord
from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order, OrderApproval, Payment
from dealerkpi.stock.models import SecondaryDealer, Vehicle


@dataclass(frozen=True)
class Related:
    """Records of another browse entry shown on a detail page: those whose ``field`` points at the record."""

    slug: str
    field: str


@dataclass(frozen=True)
class Browse:
    slug: str
    model: type[Model]
    columns: tuple[str, ...]
    filters: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    section: str = "sales"

    @property
    def verbose_name_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)


BROWSE: tuple[Browse, ...] = (
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
        "orders", Order,
        columns=("id", "ordered_at", "customer", "consultant", "trim", "guide_price", "price", "status",
                 "is_cross_region"),
        filters=("status", "consultant", "is_cross_region", "trim__vehicle_model"),
        search=("customer__name",),
        select_related=("customer", "consultant", "trim__vehicle_model"),
        related=(Related("payments", "order"), Related("approvals", "order"), Related("deliveries", "order")),
    ),
    Browse(
        "approvals", OrderApproval,
        columns=("id", "order", "kind", "requested_by", "requested_at", "status", "decided_by", "decided_at"),
        filters=("kind", "status"), select_related=("order", "requested_by", "decided_by"),
    ),
    Browse(
        "payments", Payment,
        columns=("id", "order", "kind", "amount", "paid_at"), filters=("kind",), select_related=("order",),
    ),
    Browse(
        "deliveries", Delivery,
        columns=("id", "order", "vehicle", "scheduled_for", "delivered_at", "customer_signed"),
        select_related=("order", "vehicle"),
        related=(Related("c-cards", "delivery"),),
    ),
    Browse(
        "c-cards", DeliveryFollowUp,
        columns=("id", "delivery", "staff", "due_on", "done_at", "satisfaction"),
        filters=("staff",), select_related=("delivery__order", "delivery__vehicle", "staff"),
    ),
    Browse(
        "complaints", Complaint,
        columns=("id", "received_at", "summary", "channel", "is_major", "about_staff", "handler", "due_on",
                 "status"),
        filters=("status", "is_major", "channel"),
        select_related=("about_staff", "handler"), section="store",
    ),
    Browse(
        "vehicles", Vehicle,
        columns=("id", "vin", "trim", "colour", "arrived_on", "status", "secondary_dealer"),
        filters=("status", "trim__vehicle_model", "secondary_dealer"), search=("vin",),
        select_related=("trim__vehicle_model", "secondary_dealer"), section="stock",
    ),
    Browse(
        "secondary-dealers", SecondaryDealer,
        columns=("id", "code", "name", "contact_name", "is_active"),
        related=(Related("vehicles", "secondary_dealer"),), section="stock",
    ),
    Browse(
        "staff", Staff,
        columns=("employee_no", "name", "role", "store", "hire_date", "leave_date"),
        filters=("role", "store"), search=("name", "employee_no"), select_related=("store",),
        related=(Related("trainings", "staff"),), section="store",
    ),
    Browse("teams", Team, columns=("id", "name", "store", "is_active"), select_related=("store",),
           section="store"),
    Browse("stores", Store, columns=("code", "name", "city", "region", "brand"),
           select_related=("region", "brand"), section="store"),
    Browse(
        "trainings", TrainingRecord,
        columns=("id", "held_on", "staff", "course", "hours", "passed", "trainer"),
        filters=("staff", "passed"), select_related=("staff", "trainer"), section="store",
    ),
    Browse(
        "attendance", AttendanceRecord, columns=("id", "day", "staff", "status"),
        filters=("status", "staff"), select_related=("staff",), section="store",
    ),
    Browse(
        "promotions", PromotionExecution, columns=("id", "name", "starts_on", "ends_on", "score"),
        section="market",
    ),
    Browse(
        "presentation-audits", PresentationAudit,
        columns=("id", "audited_on", "secondary_dealer", "score", "auditor"),
        select_related=("secondary_dealer", "auditor"), section="market",
    ),
    Browse("market-share", MarketShareSurvey, columns=("id", "store", "month", "share", "source"),
           select_related=("store",), section="market"),
    Browse(
        "competitor-prices", CompetitorPrice,
        columns=("id", "seen_on", "competitor_model", "price", "offer", "source"),
        filters=("competitor_model",), select_related=("competitor_model__brand",), section="market",
    ),
    Browse("models", VehicleModel, columns=("code", "name", "brand", "segment"), filters=("brand",),
           select_related=("brand",), related=(Related("trims", "vehicle_model"),), section="catalogue"),
    Browse("trims", Trim, columns=("code", "vehicle_model", "name", "margin_class"),
           filters=("margin_class", "vehicle_model"), select_related=("vehicle_model", "margin_class"),
           related=(Related("prices", "trim"),), section="catalogue"),
    Browse("prices", TrimPrice, columns=("trim", "valid_from", "valid_to", "guide_price", "floor_price", "cost"),
           select_related=("trim__vehicle_model",), section="catalogue"),
)

BY_SLUG = {entry.slug: entry for entry in BROWSE}
SECTIONS = ("funnel", "sales", "stock", "store", "market", "catalogue")
