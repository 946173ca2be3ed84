"""What sales puts in the menu and in the approvals inbox."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import Approvals, MenuItem, register_approvals, register_menu
from dealerkpi.crm.claims import pending_claims
from dealerkpi.sales.economics import inbox_order_approvals

register_menu(
    MenuItem("desk", _("Today"), "desk-today", "crm.view_desk", order=10),
    MenuItem("desk", _("Sales desk settings"), "desk-settings", "sales.change_desk_settings", order=100),
    MenuItem("desk", _("Sales policy and spiffs"), "sales-policy", "sales.publish_policy", order=95),
)
register_approvals(
    Approvals("orders", "sales.decide_order_approval", inbox_order_approvals, "sales/_approvals.html", order=10),
    Approvals("ownership-claims", "crm.reassign_lead", pending_claims, "sales/_claims.html", order=25),
)
