"""What tasks puts in the menu."""

from django.utils.translation import gettext_lazy as _

from dealerkpi.core.registry import MenuItem, register_menu

register_menu(MenuItem("routines", _("Tasks"), "task-list", "tasks.view_tasks", order=15))
