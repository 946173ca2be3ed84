"""The record types of this app that users browse: their list pages, filters, tables and detail pages."""

from dealerkpi.core.registry import Browse, Related, register_browse
from dealerkpi.sales.models import Delivery, DeliveryFollowUp, Order, OrderApproval, Payment

register_browse(
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
)
