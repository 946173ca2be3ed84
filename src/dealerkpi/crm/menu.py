"""What crm puts in the menu and in the approvals inbox."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import Approvals, MenuItem, register_approvals, register_menu
from dealerkpi.crm.services import pending_lost_sales

register_menu(
    MenuItem("desk", _("New A-card"), "lead-new", "crm.add_lead", order=20),
    MenuItem("desk", _("Showroom"), "visit-list", "crm.view_desk", order=30),
    MenuItem("desk", _("Floor board"), "floor-board", "crm.view_desk", order=32, testid="nav-floor-board"),
    MenuItem("desk", _("Test drives"), "testdrive-board", "crm.view_desk", order=40),
    MenuItem("desk", _("Follow-up quality"), "followup-quality", "crm.view_followup_quality", order=80),
    # Read-only for everyone at the desk (its tab); in the menu of those who set the grades.
    MenuItem("desk", _("Intent grades"), "grade-settings", "crm.change_grade", order=90),
    MenuItem("routines", _("Complaints"), "complaint-list", order=10),
    MenuItem("routines", _("Satisfaction surveys"), "survey-results", order=12),
)
register_approvals(
    Approvals("lost-sales", "crm.decide_lost_sale", pending_lost_sales, "crm/_approvals.html", order=20),
)
