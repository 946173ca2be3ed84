"""The record types of this app that users browse: their list pages, filters, tables and detail pages."""

from dealerkpi.core.registry import Browse, Related, register_browse
from dealerkpi.org.models import Staff, Store, Team

register_browse(
    Browse(
        "staff", Staff,
        columns=("employee_no", "name", "role", "store", "hire_date", "leave_date"),
        filters=("role", "store"), search=("name", "employee_no"), select_related=("store",),
        related=(Related("trainings", "staff"),), section="store",
    ),
    Browse("teams", Team, columns=("id", "name", "store", "is_active"), select_related=("store",),
           section="store"),
    Browse("stores", Store, columns=("code", "name", "city", "region", "brand"),
           select_related=("region", "brand"), section="store"),
)
