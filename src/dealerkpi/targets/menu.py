"""What targets puts in the menu."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(MenuItem("pay", _("Targets"), "targets-month", order=20))
register_menu(MenuItem("pay", _("Sales plan"), "targets-sales-plan", order=21, testid="nav-sales-plan"))
