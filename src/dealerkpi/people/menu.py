"""What people puts in the menu."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(
    MenuItem("routines", _("Training"), "training-list", order=30),
    MenuItem("routines", _("Daily checklist"), "daily-checklist", order=40),
)
