"""What imports puts in the menu."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(MenuItem("records", _("Import data"), "imports", "imports.import_data", order=10))
