"""What plans puts in the menu."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(MenuItem("pay", _("Pay plans"), "plan-list", order=10))
