"""What market puts in the menu."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(MenuItem("routines", _("Competitor intelligence"), "competitor-intel", order=20))
