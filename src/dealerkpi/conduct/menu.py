"""What conduct puts in the menu and in the approvals inbox."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.conduct.services import pending_appeals, pending_faults
from dealerkpi.core.registry import Approvals, MenuItem, register_approvals, register_menu

register_menu(
    MenuItem("routines", _("Faults"), "fault-list", "conduct.view_conduct", order=45),
    MenuItem("routines", _("Process checks"), "process-check-list", "conduct.view_conduct", order=46),
)
register_approvals(
    Approvals("faults", "conduct.decide_fault", pending_faults, "conduct/_approvals.html", order=35),
    Approvals("fault-appeals", "conduct.decide_appeal", pending_appeals, "conduct/_appeals.html", order=36),
)
