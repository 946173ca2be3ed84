"""What people puts in the menu."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(
    MenuItem("routines", _("Training"), "training-list", order=30),
    MenuItem("routines", _("Daily checklist"), "daily-checklist", order=40),
    MenuItem("routines", _("Certifications"), "certifications", order=35),
    MenuItem("routines", _("Staff"), "store-staff", "people.view_staff", order=60),
    MenuItem("routines", _("Newcomers"), "newcomers", "people.view_newcomers", order=65),
)
