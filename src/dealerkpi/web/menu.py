"""What the shell itself puts in the menu: the home page and the approvals inbox."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(
    MenuItem("main", _("Home"), "home", order=0),
    MenuItem("desk", _("Approvals"), "approvals", "web.view_approvals", order=60),
)
