"""What pay puts in the menu and in the approvals inbox."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import Approvals, MenuItem, register_approvals, register_menu
from dealerkpi.pay.visibility import queries_to_answer

register_menu(
    MenuItem("pay", _("Earnings to date"), "my-earnings", "pay.view_own_pay", order=30),
    MenuItem("pay", _("My statements"), "my-statements", "pay.view_own_pay", order=40),
    MenuItem("pay", _("Bonus runs"), "run-list", "pay.view_run", order=50),
    MenuItem("pay", _("Statement queries"), "query-list", "pay.view_run", order=60),
)
register_approvals(
    Approvals("queries", "pay.answer_query", queries_to_answer, "pay/_approvals.html", order=30),
)
